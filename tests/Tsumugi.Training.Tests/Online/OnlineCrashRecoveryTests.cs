using System.Text.Json.Nodes;
using Tsumugi.Training.Online;
using Tsumugi.Training.Tests.Sft;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Online;

/// <summary>
/// kill -9 of a real `tsumugi dpo online` process while it samples and again while it trains, then --resume: the run
/// finishes with every prompt sampled once, every answer scored once, and exactly the pairs its samples and rewards give.
/// </summary>
public sealed class OnlineCrashRecoveryTests : IDisposable
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Kill9WhileSamplingAndWhileTrainingThenResumeLosesAndDuplicatesNothing()
    {
        var model = TinyModelDirectory.Write(_temp.File("base"), KanaTask.Words, seed: 3, contextLength: 128);
        var prompts = OnlineKanaTask.WritePrompts(_temp.File("prompts.jsonl"), 60, seed: 2);
        var run = _temp.File("run");
        var overrides = OnlineKanaTask.Overrides(model, prompts, iterations: 2).Append("online.decode_batch=4").SelectMany(o => new[] { "--set", o });
        string[] Args(bool resume) => ["dpo", "online", "--config", Path.Combine(RepoPaths.Configs, "dpo-online-tiny.yaml"), "--output", run, .. overrides, .. resume ? new[] { "--resume" } : []];

        var samples = Path.Combine(OnlineDpoLoop.IterationDirectory(run, 1), "samples.jsonl");
        using (var first = TsumugiProcess.Start(Args(resume: false)))
        {
            first.WaitUntil(() => File.Exists(samples) && File.ReadAllText(samples).Count(c => c == '\n') >= 2, Limit, "iteration 1 sampling");
            first.Kill9();
        }
        var metrics = Path.Combine(OnlineDpoLoop.IterationDirectory(run, 2), "train", "metrics.jsonl");
        using (var second = TsumugiProcess.Start(Args(resume: true)))
        {
            second.WaitUntil(() => File.Exists(metrics) && File.ReadAllText(metrics).Length > 0, Limit, "iteration 2 training");
            second.Kill9();
        }
        using (var third = TsumugiProcess.Start(Args(resume: true)))
            Assert.Equal(0, third.WaitForExit(Limit));

        for (var i = 1; i <= 2; i++)
        {
            var dir = OnlineDpoLoop.IterationDirectory(run, i);
            var sampled = OnlineDpoLoopTests.Lines(Path.Combine(dir, "samples.jsonl"));
            Assert.Equal(24, sampled.Select(s => (int)s["prompt"]!).Distinct().Count());
            Assert.Equal(24, sampled.Count);
            var ids = sampled.SelectMany(s => s["responses"]!.AsArray().Select(r => (string)r!["id"]!)).ToList();
            var rewards = OnlineDpoLoopTests.Lines(Path.Combine(dir, "samples_rewards.jsonl"));
            Assert.Equal(ids.Order(), rewards.Select(r => (string)r["id"]!).Order());
            // The pairs are exactly what the kept samples and rewards give: one per prompt whose best and worst differ.
            var reward = rewards.ToDictionary(r => (string)r["id"]!, r => (double)r["reward"]!);
            var expected = sampled.Count(s => s["responses"]!.AsArray().Select(r => reward[(string)r!["id"]!]).Distinct().Count() > 1);
            var pairs = OnlineDpoLoopTests.Lines(Path.Combine(dir, "pairs.jsonl"));
            Assert.Equal(expected, pairs.Count);
            Assert.Equal(pairs.Count, pairs.Select(p => (string)p["chosen_id"]!).Distinct().Count());
            Assert.True(File.Exists(Path.Combine(dir, "held_out.json")));
        }
    }
}
