using System.Diagnostics;
using System.Text;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// scripts/slurm/corpus.sbatch against a stand-in <c>sbatch</c> that runs each array element in turn with Slurm's
/// array variables set (and records how it was called): the six stages chained by afterok, ending in a dataset.
/// </summary>
[Collection("cli")]
public sealed class CorpusSbatchTests(CleanedCorpusFixture corpus) : IClassFixture<CleanedCorpusFixture>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-sbatch-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const string FakeSbatch = """
        #!/bin/bash
        # Stand-in sbatch: logs its arguments, runs --wrap once per --array element (lo-hi) in order, prints a job id.
        echo "$*" >> "$(dirname "$0")/calls"
        array=""; wrap=""
        for a in "$@"; do case $a in --array=*) array=${a#--array=};; --wrap=*) wrap=${a#--wrap=};; esac; done
        lo=${array%-*}; hi=${array#*-}
        for i in $(seq "$lo" "$hi"); do
          SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=$((hi - lo + 1)) SLURM_ARRAY_TASK_MIN=$lo bash -c "$wrap" >> "$(dirname "$0")/log" 2>&1 || exit 1
        done
        echo $(( $(wc -l < "$(dirname "$0")/calls") + 1000 ))
        """;

    string RunScript(string output)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "sbatch"), FakeSbatch.Replace("\r", ""), new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(bin, "sbatch"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var info = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "scripts", "slurm", "corpus.sbatch"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { CleanedCorpusFixture.JaPages, output, corpus.Tokenizer, "3" }) info.ArgumentList.Add(a);
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["TSUMUGI"] = Path.Combine(AppContext.BaseDirectory, "tsumugi");
        info.Environment["CONFIG"] = Path.Combine(RepoPaths.Configs, "corpus-docs.yaml");
        info.Environment["CPUS"] = "1";
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "corpus.sbatch did not finish in 5 minutes");
        var log = File.Exists(Path.Combine(bin, "log")) ? File.ReadAllText(Path.Combine(bin, "log")) : "";
        Assert.True(p.ExitCode == 0, $"corpus.sbatch failed ({p.ExitCode}): {stdout}{err.Result}\n{log}");
        return File.ReadAllText(Path.Combine(bin, "calls"));
    }

    [Fact]
    public void Script_ChainsTheSixArrays_AndAReRunSkipsEverything()
    {
        var output = Path.Combine(_dir, "out");
        var calls = RunScript(output).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(6, calls.Length);
        string[] stages = ["clean", "dedup-signatures", "dedup-buckets", "dedup-cluster", "dedup-filter", "tokenize"];
        for (int i = 0; i < 6; i++)
        {
            Assert.Contains($"--job-name=corpus-{stages[i]}", calls[i]);
            // Each stage waits for the one before it (the stand-in's ids are 1001, 1002, …).
            if (i == 0) Assert.DoesNotContain("--dependency", calls[i]);
            else Assert.Contains($"--dependency=afterok:{1000 + i}", calls[i]);
            Assert.Contains(stages[i] == "dedup-cluster" ? "--array=0 " : "--array=0-2 ", calls[i]);
        }
        Assert.True(File.Exists(Path.Combine(output, "clean", "summary.json")));
        Assert.True(File.Exists(Path.Combine(output, "dedup", "dedup-summary.json")));
        var manifest = Tsumugi.Datasets.DatasetManifest.Load(Path.Combine(output, "data"));
        Assert.NotEqual(false, manifest.Complete);
        Assert.NotEmpty(manifest.Datasets);
        var bin = Path.Combine(output, "data", manifest.Datasets[0].Name + ".bin");
        var bytes = File.ReadAllBytes(bin);
        var written = File.GetLastWriteTimeUtc(bin);

        // Resubmitting finds every task's marker: the dataset is not rewritten.
        RunScript(output);
        Assert.Equal(bytes, File.ReadAllBytes(bin));
        Assert.Equal(written, File.GetLastWriteTimeUtc(bin));
    }
}
