using System.Text.Json;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `tsumugi eval sweep` over two real tiny runs: one evaluating inline (eval.tasks), one queueing its checkpoints
/// (eval.mode: queue). One table holds every checkpoint of both; scores on disk are reused; --force evaluates again.
/// </summary>
[Collection("cli")]
public sealed class EvalSweepCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-evalsweep-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);
    static string Example(string name) => Path.Combine(RepoPaths.Configs, "eval", name);

    static void Ok((int ExitCode, string Out, string Err) run) => Assert.True(run.ExitCode == 0, run.Err + run.Out);

    /// <summary>A 1,000-piece tokenizer and Japanese data tokenized with it.</summary>
    (string Tokenizer, string Data) Inputs()
    {
        var text = CorpusSample.Write("ja", 60_000, Sub("ja.txt"));
        Ok(CliRunner.Run("tokenizer", "train", "--input", text, "--output", Sub("tok"), "--vocab-size", "1000", "--character-coverage", "0.995", "--threads", "2"));
        Ok(CliRunner.Run("data", "tokenize", "--input", text, "--tokenizer", Sub("tok"), "--output", Sub("data"), "--name", "ja"));
        return (Sub("tok"), Sub("data"));
    }

    string Train(string name, string tokenizer, string data, params string[] sets)
    {
        string[] common = [$"data.path={data}", $"model.tokenizer={tokenizer}", "model.vocab_size=", "train.max_steps=4", "train.seq_length=64",
            "train.micro_batch_size=4", "train.global_batch_tokens=512", "schedule.warmup_steps=2", "eval.max_samples=2"];
        var args = new List<string> { "train", "--config", Path.Combine(RepoPaths.Configs, "tiny.yaml"), "--output", Sub(name) };
        foreach (var set in common.Concat(sets)) args.AddRange(["--set", set]);
        Ok(CliRunner.Run([.. args]));
        return Sub(name);
    }

    [Fact]
    public void SweepOverAnInlineAndAQueuedRunGivesOneTableAndReusesScores()
    {
        var (tok, data) = Inputs();
        var tasks = Example("mc_ja.json");
        var inline = Train("lr-a", tok, data, $"eval.tasks={tasks}", "checkpoint.interval=2");
        var queued = Train("lr-b", tok, data, $"eval.tasks={tasks}", "checkpoint.interval=2", "eval.mode=queue", "optimizer.lr=0.01");
        Assert.False(File.Exists(Path.Combine(queued, "eval", "step-2", "tasks.json")));

        var sweep = CliRunner.Run("eval", "sweep", inline, queued, "--json", Sub("sweep.json"), "--output", Sub("sweep.md"));
        Ok(sweep);
        Assert.Contains("4 checkpoints of 2 run(s), 2 evaluated now", sweep.Err); // lr-a's were scored during training
        var table = JsonDocument.Parse(File.ReadAllText(Sub("sweep.json"))).RootElement;
        var columns = table.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("label").GetString()).ToList();
        Assert.Equal(["lr-a/step-2", "lr-a/step-4", "lr-b/step-2", "lr-b/step-4"], columns);
        var acc = table.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("metric").GetString() == "mc_ja/acc");
        Assert.All(acc.GetProperty("values").EnumerateArray(), v => Assert.InRange(v.GetDouble(), 0, 1));
        Assert.Contains("| mc_ja/acc |", File.ReadAllText(Sub("sweep.md")));

        var again = CliRunner.Run("eval", "sweep", inline, queued, "--follow", "--poll", "1"); // both runs finished: --follow returns
        Ok(again);
        Assert.Contains("0 evaluated now", again.Err);
        var forced = CliRunner.Run("eval", "sweep", queued, "--force", "--tasks", tasks, Example("qa_ja.json"));
        Ok(forced);
        Assert.Contains("2 evaluated now", forced.Err);
        Assert.Contains("qa_ja/", File.ReadAllText(Path.Combine(queued, "eval", "step-4", "tasks.json")));
    }

    [Fact]
    public void ARunWithoutEvalTasksNeedsTasksAndANonRunFolderIsNamed()
    {
        var notRun = Directory.CreateDirectory(Sub("plain")).FullName;
        var noCheckpoints = CliRunner.Run("eval", "sweep", notRun, "--tasks", Example("mc_ja.json"));
        Assert.NotEqual(0, noCheckpoints.ExitCode);
        Assert.Contains("no checkpoints/ folder", noCheckpoints.Err);
        var noTasks = CliRunner.Run("eval", "sweep", notRun);
        Assert.NotEqual(0, noTasks.ExitCode);
        Assert.Contains("--tasks", noTasks.Err);
    }
}
