namespace Tsumugi.Dashboard;

/// <summary>
/// The one gate between a request's id and the file system. An id is a path relative to --runs; it is refused (404,
/// nothing read) when it is absolute, has an empty, "." or ".." segment, a backslash or a NUL, or when its real path
/// — every symlink along it resolved — is not inside the real path of --runs. Files inside a run go through the same
/// check, so a metrics.jsonl that is a symlink to /etc/passwd is not read either.
/// </summary>
public sealed class RunsRoot
{
    /// <summary>Linux's limit on symlinks followed while resolving one path (ELOOP).</summary>
    const int MaxLinks = 40;

    public RunsRoot(string runs)
    {
        Real = RealPath(Path.GetFullPath(runs)) ?? throw new ArgumentException($"--runs {runs}: no such directory.");
    }

    /// <summary>The real (symlink-free, absolute) path of --runs.</summary>
    public string Real { get; }

    /// <summary>The id of <paramref name="realPath"/> (a path under <see cref="Real"/>): "/"-separated, "." for the root itself.</summary>
    public string IdOf(string realPath)
    {
        var relative = Path.GetRelativePath(Real, realPath).Replace('\\', '/');
        return relative.Length == 0 ? "." : relative;
    }

    /// <summary>The real path of the directory named by <paramref name="id"/>, or a 404 for anything unsafe or absent.</summary>
    public string Directory(string id)
    {
        var real = Resolve(id);
        return real is not null && System.IO.Directory.Exists(real) ? real : throw DashboardException.NotFound($"'{id}'");
    }

    /// <summary>The real path of <paramref name="name"/> inside <paramref name="realDirectory"/> when it is a file still under --runs, else null.</summary>
    public string? File(string realDirectory, string name)
    {
        var real = RealPath(Path.Combine(realDirectory, name));
        return real is not null && Contains(real) && System.IO.File.Exists(real) ? real : null;
    }

    /// <summary>The real path for <paramref name="id"/> when it is a safe relative path that stays under --runs, else null.</summary>
    public string? Resolve(string id)
    {
        if (id == ".") return Real;
        if (id.Length == 0 || id.Contains('\\') || id.Contains('\0') || Path.IsPathRooted(id) || id.StartsWith('/')) return null;
        foreach (var segment in id.Split('/'))
            if (segment is "" or "." or "..") return null;
        var real = RealPath(Path.Combine(Real, id));
        return real is not null && Contains(real) ? real : null;
    }

    /// <summary>True when <paramref name="realPath"/> is --runs itself or below it.</summary>
    public bool Contains(string realPath) =>
        realPath == Real || realPath.StartsWith(Real.EndsWith('/') ? Real : Real + "/", StringComparison.Ordinal);

    /// <summary>
    /// realpath(3) in managed code: resolves every symlink component by component (a link's target is resolved against
    /// the link's folder and its own components are walked again), returning null when something does not exist or the
    /// links loop.
    /// </summary>
    public static string? RealPath(string absolutePath)
    {
        var pending = new Stack<string>(absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = "/";
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? "/"; continue; }
            var next = Path.Combine(current, part);
            FileSystemInfo info = new FileInfo(next);
            if (!info.Exists && !System.IO.Directory.Exists(next) && info.LinkTarget is null) return null;
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks) return null;
                foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(t);
                if (target.StartsWith('/')) current = "/";
                continue;
            }
            current = next;
        }
        return current;
    }
}
