using System.Text;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Sample;

namespace Tsumugi.Corpus.Tests;

/// <summary>
/// <c>corpus sample</c> against fake <c>apt-get</c>/<c>dpkg</c> scripts (no network): what they write is a folder tree of
/// documentation HTML like the real packages'; the result must be a corpus that <c>corpus clean</c> reads and keeps.
/// </summary>
public class SampleTests
{
    /// <summary>
    /// A bin folder with apt-get (writes PKG_1.0_all.deb, or fails for packages listed in <paramref name="missing"/>)
    /// and dpkg (-x: unpacks a Japanese or English HTML page into usr/share/doc/PKG/html/).
    /// </summary>
    public static string FakeTools(string dir, string[] missing, bool dpkgFails = false)
    {
        var bin = Path.Combine(dir, "bin");
        Directory.CreateDirectory(bin);
        var pages = Path.Combine(dir, "pages");
        Directory.CreateDirectory(pages);
        File.WriteAllText(Path.Combine(pages, "ja.html"), Page("第1章 はじめに", "<p>" + string.Join("<br>", Enumerable.Range(0, 8).Select(i => CorpusFiles.JapaneseArticle(100 + i, 3))) + "</p>"));
        File.WriteAllText(Path.Combine(pages, "en.html"), Page("Chapter 1. Introduction", "<p>" + string.Join(" ", Enumerable.Repeat("This chapter explains how the system is configured and maintained by its administrator.", 8)) + "</p>"));
        Script(Path.Combine(bin, "apt-get"), $$"""
            [ "$1" = download ] || { echo "E: unexpected arguments $*" >&2; exit 64; }
            for m in {{string.Join(' ', missing)}}; do [ "$2" = "$m" ] && { echo "E: Unable to locate package $2" >&2; exit 100; }; done
            echo "deb payload of $2" > "$2_1.0_all.deb"
            """);
        Script(Path.Combine(bin, "dpkg"), dpkgFails
            ? """echo "dpkg-deb: error: '$2' is not a Debian format archive" >&2; exit 2"""
            : $$"""
            [ "$1" = -x ] || exit 64
            pkg=$(basename "$2"); pkg=${pkg%%_*}
            case "$pkg" in *-ja) lang=ja ;; *) lang=en ;; esac
            mkdir -p "$3/usr/share/doc/$pkg/html"
            cp "{{pages}}/$lang.html" "$3/usr/share/doc/$pkg/html/index.$lang.html"
            cp "{{pages}}/$lang.html" "$3/usr/share/doc/$pkg/html/ch01.$lang.html"
            echo "not html" > "$3/usr/share/doc/$pkg/changelog"
            """);
        return bin;
    }

    static string Page(string title, string body) =>
        $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><div class=\"navheader\"><a href=\"index.html\">Home</a> <a href=\"ch02.html\">Next</a></div><h1>{title}</h1>{body}<div class=\"navfooter\"><a href=\"index.html\">Home</a></div></body></html>";

    static void Script(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n", new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void FakeApt_WritesJaAndEnTrees_ThatCleanReadsAndKeeps()
    {
        using var t = new TempDirectory();
        var bin = FakeTools(t.Path, missing: ["debian-faq"]);
        var log = new List<string>();
        var sample = new DebianDocSample { SearchPath = bin + ":/usr/bin:/bin" };
        int files = sample.Download(t.File("out"), log.Add);

        Assert.Equal(2 * 7, files);  // 8 packages, one missing, 2 HTML files each; the changelog is not copied
        Assert.Contains(log, l => l.Contains("skipped debian-faq") && l.Contains("Unable to locate package"));
        Assert.Equal(4, Directory.GetDirectories(t.File("out/ja")).Length);
        Assert.Equal(3, Directory.GetDirectories(t.File("out/en")).Length);
        Assert.True(File.Exists(t.File("out/ja/maint-guide-ja/ch01.ja.html")));
        Assert.Empty(Directory.GetFiles(t.File("out"), "changelog", SearchOption.AllDirectories));

        var config = PipelineConfig.Default("ja");
        config.Inputs = [t.File("out/ja")];
        config.Output = t.File("clean");
        var stats = new PipelineRunner(config).Run();
        Assert.Equal(8, stats.DocsIn);
        Assert.Equal(0, stats.DocsErrored);
        var docs = CorpusFiles.ReadAll(t.File("clean"));
        Assert.True(8 == docs.Count, stats.ToJson());  // same pages in several packages: dedup is a separate stage
        Assert.All(docs, d => Assert.Equal("ja", d.GetProperty("domain").GetString()));
        Assert.All(docs, d => Assert.DoesNotContain("Home", d.GetProperty("text").GetString()));  // navigation removed
        Assert.All(docs, d => Assert.Equal("第1章 はじめに", d.GetProperty("meta").GetProperty("title").GetString()));
    }

    [Fact]
    public void NoAptGet_ClearMessage_NothingWritten()
    {
        using var t = new TempDirectory();
        Directory.CreateDirectory(t.File("empty"));
        var e = Assert.Throws<InvalidOperationException>(() => new DebianDocSample { SearchPath = t.File("empty") }.Download(t.File("out"), _ => { }));
        Assert.Contains("'apt-get' not found", e.Message);
        Assert.Contains("corpus clean --input", e.Message);
        Assert.False(Directory.Exists(t.File("out")));
    }

    [Fact]
    public void AllPackagesMissing_SaysToRunAptGetUpdate()
    {
        using var t = new TempDirectory();
        var bin = FakeTools(t.Path, missing: [.. DebianDocSample.Packages]);
        var e = Assert.Throws<InvalidOperationException>(() => new DebianDocSample { SearchPath = bin + ":/usr/bin:/bin" }.Download(t.File("out"), _ => { }));
        Assert.Contains("apt-get update", e.Message);
    }

    [Fact]
    public void DpkgFailure_NamesThePackageAndTheError()
    {
        using var t = new TempDirectory();
        var bin = FakeTools(t.Path, missing: [], dpkgFails: true);
        var e = Assert.Throws<InvalidOperationException>(() => new DebianDocSample { SearchPath = bin + ":/usr/bin:/bin" }.Download(t.File("out"), _ => { }));
        Assert.Contains("debian-reference-ja_1.0_all.deb", e.Message);
        Assert.Contains("not a Debian format archive", e.Message);
    }
}
