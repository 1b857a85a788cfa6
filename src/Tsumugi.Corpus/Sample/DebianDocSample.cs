using System.Diagnostics;
using Tsumugi.Common;

namespace Tsumugi.Corpus.Sample;

/// <summary>
/// <c>corpus sample</c>: a real sample corpus from Debian's Japanese and English documentation packages
/// (<c>apt-get download PKG</c> into a temporary folder, <c>dpkg -x</c>, then every <c>*.htm*</c> file copied to
/// <c>OUT/ja/PKG/</c> or <c>OUT/en/PKG/</c>). The tools are looked up in <see cref="SearchPath"/> (the process PATH
/// by default) so that the command fails up front, with a clear message, where they do not exist.
/// </summary>
public sealed class DebianDocSample
{
    public static readonly IReadOnlyList<string> Packages =
    [
        "debian-reference-ja", "debian-reference-en", "maint-guide-ja", "maint-guide", "developers-reference-ja",
        "developers-reference", "debian-faq-ja", "debian-faq",
    ];

    /// <summary>Folders searched for apt-get and dpkg, ':'-separated like PATH.</summary>
    public string SearchPath { get; init; } = Environment.GetEnvironmentVariable("PATH") ?? "";

    public IReadOnlyList<string> PackageNames { get; init; } = Packages;

    /// <summary>Downloads and unpacks the packages; returns the number of HTML files written under <paramref name="outputDir"/>.</summary>
    public int Download(string outputDir, Action<string> log)
    {
        var outDir = Path.GetFullPath(outputDir);
        var aptGet = Find("apt-get");
        var dpkg = Find("dpkg");
        var work = Path.Combine(Path.GetTempPath(), "tsumugi-sample-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            int files = 0;
            foreach (var pkg in PackageNames)
            {
                log($"apt-get download {pkg}");
                var (code, err) = Exec(aptGet, work, "download", pkg);
                if (code != 0) { log($"  skipped {pkg}: apt-get exited with {code}{Detail(err)} (run 'apt-get update' first?)"); continue; }
                var deb = Directory.GetFiles(work, pkg + "_*.deb").FirstOrDefault();
                if (deb is null) { log($"  skipped {pkg}: apt-get reported success but wrote no {pkg}_*.deb"); continue; }
                var x = Path.Combine(work, pkg);
                (code, err) = Exec(dpkg, work, "-x", deb, x);
                if (code != 0) throw new InvalidOperationException($"dpkg -x {Path.GetFileName(deb)} failed with exit code {code}{Detail(err)}; is the download complete? retry 'tsumugi corpus sample'");
                var lang = pkg.EndsWith("-ja", StringComparison.Ordinal) ? "ja" : "en";
                var dest = Path.Combine(outDir, lang, pkg);
                Directory.CreateDirectory(dest);
                int before = files;
                foreach (var f in Directory.EnumerateFiles(x, "*.htm*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    AtomicFile.Write(Path.Combine(dest, Path.GetFileName(f)), copy => { using var source = File.OpenRead(f); source.CopyTo(copy); });
                    files++;
                }
                log($"  {files - before} HTML files → {dest}");
            }
            if (files == 0) throw new InvalidOperationException("no documentation package could be downloaded; check 'apt-get update' and network access");
            return files;
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    string Find(string tool) =>
        SearchPath.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"'{tool}' not found on PATH: 'corpus sample' needs a Debian/Ubuntu machine; elsewhere copy HTML/text files into a folder and pass it to 'corpus clean --input'");

    static string Detail(string stderr)
    {
        var line = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return line is null ? "" : $" ({line})";
    }

    static (int Code, string Stderr) Exec(string file, string cwd, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err.Result);
    }
}
