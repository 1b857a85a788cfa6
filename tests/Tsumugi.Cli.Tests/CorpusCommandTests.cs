using System.Text;

namespace Tsumugi.Cli.Tests;

/// <summary>`corpus sample` through the CLI with fake apt-get/dpkg first on PATH, and `corpus dedup --memory`.</summary>
[Collection("cli")]
public sealed class CorpusCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-corpus-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static void Script(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n", new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void Sample_WithFakeApt_WritesHtmlThatCleanKeeps()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        var page = Path.Combine(_dir, "page.html");
        // A documentation page with enough Japanese prose to pass the default filters.
        string[] sentences =
        [
            "この章では、パッケージの設定ファイルを編集してからサービスを再起動する手順を説明します。",
            "設定ファイルは管理者だけが書き換えられる場所に置かれており、変更の前には必ず控えを取っておきましょう。",
            "再起動のあとで動作がおかしいときは、ログを読んで原因を探し、元の設定に戻すこともできます。",
            "新しい版へ上げるときには、古い設定との違いが表示されるので、内容を確かめてから選んでください。",
            "複数の計算機をまとめて管理する場合は、同じ手順を台本にしておくと作業の間違いを減らせます。",
            "なお、利用者ごとの設定は各自の家の中に置かれるため、全体の設定よりも優先して読み込まれます。",
        ];
        var body = "<p>" + string.Join("<br>", sentences) + "</p>";  // one block: blank lines between blocks count as short lines
        File.WriteAllText(page, $"<html><head><meta charset=\"utf-8\"><title>設定の手引き</title></head><body><h1>設定の手引き</h1>{body}</body></html>");
        Script(Path.Combine(bin, "apt-get"), """echo deb > "$2_2.0_all.deb" """);
        Script(Path.Combine(bin, "dpkg"), $$"""pkg=$(basename "$2"); mkdir -p "$3/usr/share/doc/${pkg%%_*}/html"; cp "{{page}}" "$3/usr/share/doc/${pkg%%_*}/html/index.html" """);
        var oldPath = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", bin + ":" + oldPath);
        try
        {
            var sample = Path.Combine(_dir, "sample");
            var (code, stdout, err) = SpectreOutput.Run("corpus", "sample", "--output", sample);
            Assert.True(code == 0, err);
            Assert.Contains("8 HTML files in", stdout);
            Assert.Equal(4, Directory.GetFiles(Path.Combine(sample, "ja"), "*.html", SearchOption.AllDirectories).Length);
            Assert.True(File.Exists(Path.Combine(sample, "en", "maint-guide", "index.html")));

            var clean = Path.Combine(_dir, "clean");
            (code, var cleanOut, err) = SpectreOutput.Run("corpus", "clean", "--input", Path.Combine(sample, "ja"), "--output", clean, "--workers", "1");
            Assert.True(code == 0, err);
            (code, stdout, err) = SpectreOutput.Run("corpus", "stats", clean);
            Assert.True(code == 0, err);
            Assert.True(stdout.Contains("4 documents"), cleanOut);
            Assert.Contains("domain ja", stdout);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", oldPath);
        }
    }

    [Fact]
    public void Dedup_MemoryBelowOneMb_IsAParseErrorNamingTheFlag()
    {
        var (code, _, err) = SpectreOutput.Run("corpus", "dedup", "--input", _dir, "--output", Path.Combine(_dir, "o"), "--memory", "0");
        Assert.Equal(2, code);
        Assert.Contains("--memory", err);
    }
}
