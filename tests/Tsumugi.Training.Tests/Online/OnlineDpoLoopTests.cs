using System.Text.Json.Nodes;
using Tsumugi.Training.Config;
using Tsumugi.Training.Online;
using Tsumugi.Training.Tests.Sft;

namespace Tsumugi.Training.Tests.Online;

/// <summary>
/// The online loop through the config a user runs: on a verifiable rule the held-out reward rises over three
/// iterations, every iteration keeps its answers, rewards and pairs, and a reward that cannot score stops the loop
/// cleanly with everything kept, continuing with --resume once it works.
/// </summary>
public sealed class OnlineDpoLoopTests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    static TrainConfig Config(params string[] overrides) =>
        TrainConfig.Load(Path.Combine(RepoPaths.Configs, "dpo-online-tiny.yaml"), overrides, RunKind.OnlinePreference);

    [Fact]
    public void HeldOutRewardRisesOverThreeIterations()
    {
        var model = TinyModelDirectory.Write(_temp.File("base"), KanaTask.Words, seed: 3, contextLength: 128);
        var prompts = OnlineKanaTask.WritePrompts(_temp.File("prompts.jsonl"), 84, seed: 2);
        var run = _temp.File("run");
        var outcome = new OnlineDpoLoop(Config(OnlineKanaTask.Overrides(model, prompts, iterations: 3)), run, TextWriter.Null).Run(resume: false);

        Assert.True(outcome.Completed, outcome.StopReason);
        var rewards = outcome.Iterations.Select(i => i.HeldOutReward).ToList();
        Assert.Equal(4, rewards.Count);
        Console.WriteLine($"held-out reward per iteration: {string.Join(" → ", rewards.Select(r => r.ToString("0.00")))}");
        Assert.True(rewards[3] >= rewards[0] + 0.3, $"held-out reward per iteration: {string.Join(" → ", rewards.Select(r => r.ToString("0.00")))}");
        for (var i = 1; i < rewards.Count; i++)
            Assert.True(rewards[i] > rewards[i - 1], $"iteration {i} did not raise the reward: {string.Join(" → ", rewards.Select(r => r.ToString("0.00")))}");
        for (var i = 1; i <= 3; i++)
        {
            var dir = OnlineDpoLoop.IterationDirectory(run, i);
            var pairs = Lines(Path.Combine(dir, "pairs.jsonl"));
            Assert.Equal(outcome.Iterations[i].Pairs, pairs.Count);
            Assert.All(pairs, p => Assert.True((double)p["chosen_reward"]! > (double)p["rejected_reward"]!));
            Assert.Equal(24, Lines(Path.Combine(dir, "samples.jsonl")).Count);
            Assert.Equal(24 * 4, Lines(Path.Combine(dir, "samples_rewards.jsonl")).Count);
        }
        Assert.True(File.Exists(Path.Combine(run, "summary.json")));
    }

    [Fact]
    public async Task AJudgeThatReturnsGarbageStopsTheLoopWithEverythingKeptAndResumeScoresTheRest()
    {
        var model = TinyModelDirectory.Write(_temp.File("base"), KanaTask.Words, seed: 3, contextLength: 128);
        var prompts = OnlineKanaTask.WritePrompts(_temp.File("prompts.jsonl"), 40, seed: 2);
        // An OpenAI-compatible judge that answers garbage (no [[score]]) until it is fixed, then scores by answer length.
        var healthy = false;
        await using var judge = await JudgingStubServer.StartAsync(prompt => healthy ? (200, $"評価：[[{prompt.Length % 7 + 1}]]") : (200, "I cannot rate this."));
        string[] overrides = [.. OnlineKanaTask.Overrides(model, prompts, iterations: 1), "online.reward.pattern=", "online.reward.type=judge",
            $"online.reward.base_url={judge.BaseUrl}", "online.reward.model=stub-judge", "online.reward.retries=1", "online.reward.max_concurrency=4"];
        var run = _temp.File("run");

        var stopped = new OnlineDpoLoop(Config(overrides), run, TextWriter.Null).Run(resume: false);
        Assert.False(stopped.Completed);
        Assert.Contains("could not be scored", stopped.StopReason);
        var first = OnlineDpoLoop.IterationDirectory(run, 0);
        Assert.Equal(12 * 4, Lines(Path.Combine(first, "held_out_failures.jsonl")).Count); // every answer, retried then reported
        Assert.Equal(2 * 12 * 4, judge.Requests.Count); // one retry each
        var sampled = File.ReadAllText(Path.Combine(first, "held_out.jsonl"));

        healthy = true;
        var resumed = new OnlineDpoLoop(Config(overrides), run, TextWriter.Null).Run(resume: true);
        Assert.True(resumed.Completed, resumed.StopReason);
        Assert.Equal(sampled, File.ReadAllText(Path.Combine(first, "held_out.jsonl"))); // nothing sampled again
        Assert.Equal(12 * 4, Lines(Path.Combine(first, "held_out_rewards.jsonl")).Count);
        Assert.True(File.Exists(Path.Combine(OnlineDpoLoop.IterationDirectory(run, 1), "held_out.json")));
    }

    /// <summary>move_reference: false keeps the first policy as every iteration's reference; true moves it to the iteration's start.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheReferenceMovesOnlyWhenAskedTo(bool move)
    {
        var model = TinyModelDirectory.Write(_temp.File("base"), KanaTask.Words, seed: 3, contextLength: 128);
        var prompts = OnlineKanaTask.WritePrompts(_temp.File("prompts.jsonl"), 40, seed: 2);
        var run = _temp.File("run");
        var outcome = new OnlineDpoLoop(Config([.. OnlineKanaTask.Overrides(model, prompts, iterations: 2), $"online.move_reference={move}"]), run, TextWriter.Null).Run(resume: false);
        Assert.True(outcome.Completed, outcome.StopReason);
        var header = File.ReadLines(Path.Combine(OnlineDpoLoop.IterationDirectory(run, 2), "train", "reference_logps.tsv")).First();
        var scoredBy = move ? Path.Combine(OnlineDpoLoop.IterationDirectory(run, 1), "train", "model") : Path.GetFullPath(model);
        Assert.Contains($"model={scoredBy}", header);
    }

    [Theory]
    [InlineData("data.paths=[x.jsonl]", "writes each iteration's pairs itself")]
    [InlineData("online.reward=", "online.reward")]
    [InlineData("online.samples_per_prompt=1", "online.samples_per_prompt")]
    [InlineData("online.engine=fast", "online.engine: 'fast' is not one of torch, native, auto")]
    public void BadConfigsNameTheKey(string overrideText, string expected)
    {
        var e = Assert.Throws<TrainConfigException>(() => Config("model.from=/nonexistent", overrideText));
        Assert.Contains(expected, e.Message);
    }

    internal static List<JsonObject> Lines(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
}
