using System.Diagnostics;
using System.Text.Json.Nodes;
using Tsumugi.Evaluation.Rewards;

namespace Tsumugi.Evaluation.Tests.Rewards;

/// <summary>The script scorer against tiny shell scripts: good output in both formats, garbage, a failing and a hanging script.</summary>
public sealed class ScriptRewardScorerTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-reward-script");

    public void Dispose() => _dir.Dispose();

    static readonly RewardRequest[] Requests =
    [
        new("q1-0", "1+1は？", "正解は2です", "2"),
        new("q1-1", "1+1は？", "たぶん3", "2"),
        new("q2-0", "「\"引用\"」を含む\n質問", "改行\nと\"引用符\"", null),
    ];

    ScriptRewardScorer Scorer(string script, double timeoutSeconds = 30)
    {
        File.WriteAllText(_dir.File("reward.sh"), script.ReplaceLineEndings("\n"));
        return new ScriptRewardScorer("bash reward.sh", TimeSpan.FromSeconds(timeoutSeconds), _dir.Path);
    }

    [Fact]
    public async Task NumbersInRequestOrderAreTheRewardsAndTheScriptSeesEveryRequestAsJson()
    {
        var scorer = Scorer("""
            tee received.jsonl | while IFS= read -r line; do
              case "$line" in *'"response":"正解'*) echo 1 ;; *) echo -0.5 ;; esac
            done
            """);
        var scores = await scorer.ScoreAsync(Requests);
        Assert.Equal([1, -0.5, -0.5], scores.Select(s => s.Value));
        Assert.Equal(Requests.Select(r => r.Id), scores.Select(s => s.Id));
        // The script ran in the working directory it was given and read one JSON object per request, text intact.
        var received = File.ReadAllLines(_dir.File("received.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(Requests.Select(r => (r.Id, r.Prompt, r.Response, r.Reference)),
            received.Select(j => (j["id"]!.GetValue<string>(), j["prompt"]!.GetValue<string>(), j["response"]!.GetValue<string>(), j["reference"]?.GetValue<string>())));
        Assert.Equal((3, 3, 0), (scorer.Tally.Requests, scorer.Tally.Scored, scorer.Tally.Failed));
    }

    [Fact]
    public async Task JsonLinesAreMatchedByIdInAnyOrderAndAMissingOrNullRewardFailsOnlyThatRequest()
    {
        var scorer = Scorer("""
            cat > /dev/null
            echo '{"id": "q2-0", "reward": null}'
            echo '{"id": "zzz", "reward": 5}'
            echo '{"id": "q1-1", "reward": 0.25}'
            echo 'not json'
            echo '{"id": "q1-0", "reward": 2e0}'
            """);
        var scores = await scorer.ScoreAsync(Requests);
        Assert.Equal([2, 0.25, null], scores.Select(s => s.Value));
        Assert.Equal(RewardFailureKinds.ScriptOutput, scores[2].Failure!.Kind);
        Assert.Contains("\"reward\" is null", scores[2].Failure!.Message);

        var missing = await Scorer("""cat > /dev/null; echo '{"id": "q1-0", "reward": 1}'; echo 'oops' """).ScoreAsync(Requests);
        Assert.Equal([1, null, null], missing.Select(s => s.Value));
        Assert.Contains("no reward for id 'q1-1'", missing[1].Failure!.Message);
        Assert.Contains("'oops' is not a JSON object", missing[1].Failure!.Message); // the first problem line is shown
    }

    [Fact]
    public async Task GarbageOutputFailsWithTheLineAndTheStderrTail()
    {
        var oneBad = await Scorer("""cat > /dev/null; echo 1; echo 'よい'; echo 0""").ScoreAsync(Requests);
        Assert.Equal([1, null, 0], oneBad.Select(s => s.Value));
        Assert.Equal("stdout line 2: 'よい' is not a finite number", oneBad[1].Failure!.Message);

        var scorer = Scorer("""cat > /dev/null; echo 'warning: reward model not loaded' >&2; echo 1; echo NaN""");
        var wrongCount = await scorer.ScoreAsync(Requests);
        Assert.All(wrongCount, s => Assert.Equal(RewardFailureKinds.ScriptOutput, s.Failure!.Kind));
        Assert.Equal("the script printed 2 reward lines for 3 requests (first: '1'); stderr: warning: reward model not loaded", wrongCount[0].Failure!.Message);
        Assert.Equal(3, scorer.Tally.FailedByKind[RewardFailureKinds.ScriptOutput]);
    }

    [Fact]
    public async Task ANonZeroExitFailsTheBatchWithTheLastOfStderr()
    {
        var noise = string.Concat(Enumerable.Range(0, 300).Select(i => $"echo 'progress line {i}' >&2\n"));
        var scores = await Scorer(noise + "echo 'Traceback: CUDA out of memory' >&2\necho 1\nexit 3").ScoreAsync(Requests);
        Assert.All(scores, s => Assert.Equal((null, RewardFailureKinds.ScriptError), (s.Value, s.Failure!.Kind)));
        var message = scores[0].Failure!.Message;
        Assert.StartsWith("'bash reward.sh' exited with status 3; stderr: …", message);
        Assert.EndsWith("Traceback: CUDA out of memory", message);
        Assert.DoesNotContain("progress line 0\n", message); // only the tail
    }

    [Fact]
    public async Task AHangingScriptIsKilledAtTheTimeoutWithItsChildren()
    {
        var scorer = Scorer("echo 'loading judge…' >&2\nsleep 60\necho 1", timeoutSeconds: 1);
        var clock = Stopwatch.StartNew();
        var scores = await scorer.ScoreAsync(Requests);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}"); // not the 60 s of the sleeping child
        Assert.All(scores, s => Assert.Equal(RewardFailureKinds.ScriptTimeout, s.Failure!.Kind));
        Assert.Contains("did not finish within 1 s and was killed; stderr: loading judge…", scores[0].Failure!.Message);
    }

    [Fact]
    public async Task AScriptThatIgnoresItsInputStillScoresAndAnEmptyBatchRunsNothing()
    {
        var scorer = Scorer("echo 1; echo 0");
        var big = new string('長', 200_000); // more than a pipe buffer: writing it must not fail once the script has exited
        Assert.Equal([1, 0], (await scorer.ScoreAsync([new("a", "p", big, null), new("b", "p", big, null)])).Select(s => s.Value));
        Assert.Empty(await Scorer("touch ran; echo 1").ScoreAsync([]));
        Assert.False(File.Exists(_dir.File("ran")));
    }
}
