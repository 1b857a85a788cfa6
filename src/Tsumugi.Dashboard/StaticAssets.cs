using System.Reflection;

namespace Tsumugi.Dashboard;

/// <summary>
/// The page (index.html, app.js, app.css) compiled into this assembly as resources and served from memory: the
/// dashboard is one binary with no files beside it and no CDN, so it works on an offline training machine.
/// </summary>
public static class StaticAssets
{
    const string Prefix = "Tsumugi.Dashboard.Assets.";

    static readonly Dictionary<string, (byte[] Bytes, string ContentType)> Files = Load();

    /// <summary>The asset named <paramref name="name"/> (e.g. "app.js"), or null when there is none.</summary>
    public static (byte[] Bytes, string ContentType)? Get(string name) => Files.TryGetValue(name, out var file) ? file : null;

    static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(StaticAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var name = resource[Prefix.Length..];
            files[name] = (memory.ToArray(), ContentType(name));
        }
        return files;
    }

    static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
