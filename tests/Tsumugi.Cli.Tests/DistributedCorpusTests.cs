using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Cli.Tests;

/// <summary>A fact that needs OpenMPI's <c>mpirun</c>: skipped, saying how to install it, when it is not on PATH.</summary>
public sealed class MpirunFactAttribute : FactAttribute
{
    public MpirunFactAttribute()
    {
        if (Mpirun.Path is null) Skip = "mpirun is not on PATH: install OpenMPI with scripts/install-test-deps.sh (Debian package openmpi-bin)";
    }
}

public static class Mpirun
{
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Select(d => System.IO.Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Runs <c>mpirun -np N tsumugi ARGS</c> (the real executable built next to the tests) and returns its output.</summary>
    public static string Run(int ranks, params string[] args)
    {
        var info = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(), System.IO.Path.Combine(AppContext.BaseDirectory, "tsumugi"), .. args])
            info.ArgumentList.Add(a);
        info.Environment["COLUMNS"] = "200";
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); throw new TimeoutException($"mpirun tsumugi {string.Join(' ', args)} did not finish in 3 minutes:\n{output}"); }
        var all = output + err.Result;
        Assert.True(p.ExitCode == 0, $"mpirun -np {ranks} tsumugi {string.Join(' ', args)} failed ({p.ExitCode}):\n{all}");
        return all;
    }
}

/// <summary>
/// The corpus stages across processes the way a cluster runs them: each stage under <c>mpirun -np 2</c>, every rank
/// taking its task from OpenMPI's environment, compared with one process on the same cleaned Debian FAQ.
/// </summary>
[Collection("cli")]
public sealed class DistributedCorpusTests(CleanedCorpusFixture corpus) : IClassFixture<CleanedCorpusFixture>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-dcorpus-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string F(string name) => Path.Combine(_dir, name);

    static void AssertSameFiles(string expected, string actual, string pattern)
    {
        var names = Directory.GetFiles(expected, pattern).Select(Path.GetFileName).Order().ToList();
        Assert.NotEmpty(names);
        Assert.Equal(names, Directory.GetFiles(actual, pattern).Select(Path.GetFileName).Order().ToList());
        foreach (var n in names) Assert.True(File.ReadAllBytes(Path.Combine(expected, n!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, n!))), $"{n} differs from the single-process run's");
    }

    [Fact]
    public void DedupStageOptions_AreChecked()
    {
        var settings = CliRunner.Run("corpus", "dedup", "--stage", "buckets", "--work", F("w"), "--bands", "40");
        Assert.NotEqual(0, settings.ExitCode);
        Assert.Contains("signatures stage only", settings.Err);
        var noStage = CliRunner.Run("corpus", "dedup", "--input", corpus.Clean, "--output", F("o"), "--shard", "0/2");
        Assert.NotEqual(0, noStage.ExitCode);
        Assert.Contains("--stage", noStage.Err);
        var notRun = CliRunner.Run("corpus", "dedup", "--stage", "buckets", "--work", F("w"), "--shard", "0/2");
        Assert.NotEqual(0, notRun.ExitCode);
        Assert.Contains("signatures", notRun.Err);
        var badShard = CliRunner.Run("corpus", "dedup", "--stage", "signatures", "--work", F("w"), "--input", corpus.Clean, "--shard", "2/2");
        Assert.NotEqual(0, badShard.ExitCode);
        Assert.Contains("0 ≤ i < N", badShard.Err);
    }

    [MpirunFact]
    public void CleanDedupStagesAndTokenize_UnderMpirun_MatchOneProcess()
    {
        // corpus clean as two ranks, no --shard: each rank takes its task from mpirun; the same shards as the fixture's one process.
        var clean = Mpirun.Run(2, "corpus", "clean", "--config", Path.Combine(RepoPaths.Configs, "corpus-docs.yaml"), "--input", CleanedCorpusFixture.JaPages,
            Path.Combine(RepoPaths.SharedCorpus, "en", "debian-faq"), "--output", F("clean-mpi"), "--workers", "1");
        Assert.Contains("from mpirun (OpenMPI)", clean);
        Assert.Contains("all 2 tasks have finished", clean);
        AssertSameFiles(corpus.Clean, F("clean-mpi"), "*.jsonl.zst");
        var books = JsonDocument.Parse(File.ReadAllText(Path.Combine(corpus.Clean, "summary.json"))).RootElement;
        var merged = JsonDocument.Parse(File.ReadAllText(F("clean-mpi/summary.json"))).RootElement;
        Assert.Equal(books.GetProperty("docs_kept").GetInt64(), merged.GetProperty("docs_kept").GetInt64());

        // The cleaned shards plus one more holding exact (re-spaced) and near (one line changed) copies of six pages.
        var input = Directory.CreateDirectory(F("clean")).FullName;
        foreach (var f in Directory.GetFiles(corpus.Clean, "*.jsonl.zst")) File.Copy(f, Path.Combine(input, Path.GetFileName(f)));
        var pages = ShardRecords.Files(corpus.Clean).SelectMany(ShardRecords.Read).Where(r => r.Text.Split('\n').Length > 4).Take(6).ToList();
        Assert.Equal(6, pages.Count);
        using (var w = new JsonlZstWriter(Path.Combine(input, "shard-99999.jsonl.zst")))
        {
            foreach (var p in pages)
            {
                w.WriteLine(JsonSerializer.Serialize(new { text = p.Text.Replace("\n", " \n"), domain = p.Domain }));
                var lines = p.Text.Split('\n');
                lines[2] = "この一行だけを書き換えた近い複製です。";
                w.WriteLine(JsonSerializer.Serialize(new { text = string.Join('\n', lines), domain = p.Domain }));
            }
            w.Commit();
        }

        var (code, _, err) = CliRunner.Run("corpus", "dedup", "--input", input, "--output", F("single"), "--workers", "2");
        Assert.True(code == 0, err);
        var single = JsonDocument.Parse(File.ReadAllText(F("single/dedup-summary.json"))).RootElement;
        Assert.True(single.GetProperty("exact_duplicates").GetInt64() >= 6, single.GetRawText());
        Assert.True(single.GetProperty("near_duplicates").GetInt64() >= 1, single.GetRawText());

        var sig = Mpirun.Run(2, "corpus", "dedup", "--stage", "signatures", "--work", F("work"), "--input", input, "--workers", "1");
        Assert.Contains("from mpirun (OpenMPI)", sig);
        var early = CliRunner.Run("corpus", "dedup", "--stage", "cluster", "--work", F("work"));
        Assert.NotEqual(0, early.ExitCode);
        Assert.Contains("buckets", early.Err);
        Mpirun.Run(2, "corpus", "dedup", "--stage", "buckets", "--work", F("work"), "--workers", "1");
        Mpirun.Run(2, "corpus", "dedup", "--stage", "cluster", "--work", F("work"));
        var filter = Mpirun.Run(2, "corpus", "dedup", "--stage", "filter", "--work", F("work"), "--input", input, "--output", F("dist"), "--workers", "1");
        Assert.Contains("stage 'filter' is complete", filter);
        AssertSameFiles(F("single"), F("dist"), "*.jsonl.zst");
        var dist = JsonDocument.Parse(File.ReadAllText(F("dist/dedup-summary.json"))).RootElement;
        foreach (var key in new[] { "docs_in", "docs_kept", "chars_kept", "exact_duplicates", "near_duplicates", "clusters" })
            Assert.Equal(single.GetProperty(key).GetInt64(), dist.GetProperty(key).GetInt64());

        // Tokenize the deduplicated shards as two ranks: the same datasets as one process.
        (code, _, err) = CliRunner.Run("data", "tokenize", "--input", F("single"), "--tokenizer", corpus.Tokenizer, "--output", F("tok1"), "--threads", "2");
        Assert.True(code == 0, err);
        var tok = Mpirun.Run(2, "data", "tokenize", "--input", F("dist"), "--tokenizer", corpus.Tokenizer, "--output", F("tok2"), "--threads", "1");
        Assert.Contains("from mpirun (OpenMPI)", tok);
        AssertSameFiles(F("tok1"), F("tok2"), "*.bin");
        AssertSameFiles(F("tok1"), F("tok2"), "*.idx");
    }
}
