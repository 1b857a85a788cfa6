using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `tsumugi synth run` killed with SIGKILL at random moments and continued with --resume ends with exactly the output
/// of an uninterrupted run, having asked the endpoint for little more than one answer per input.
/// </summary>
[Collection("cli")] // keeps the timing-sensitive child processes off a machine busy with other CLI tests
public sealed class SynthResumeTests : IDisposable
{
    const int Kills = 5, Concurrency = 4;
    readonly TempDirectory _dir = new("tsumugi-synth-resume");
    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A deterministic function of the conversation, so both runs get the same answers whatever the faults and kills;
    /// an instruction with 空 gets an empty answer (the empty gate rejects it).
    /// </summary>
    static string Answer(IReadOnlyList<(string Role, string Content)> messages)
    {
        var question = messages.Last(m => m.Role == "user").Content;
        return question.Contains('空') ? "" : $"「{question}」への答え: {new string(question.Reverse().ToArray())}";
    }

    /// <summary>Every answer takes 20–60 ms; one POST in ten is a fault (429, 5xx, a 3 s answer past the 1.5 s timeout, cut JSON, a dropped connection).</summary>
    static Func<int, ChatFault> Plan(int seed)
    {
        var faults = ChatFault.Random(seed, 0.1, TimeSpan.FromSeconds(3));
        return ordinal => faults(ordinal) is { Kind: not ChatFault.Kinds.None } f ? f : ChatFault.Slow(TimeSpan.FromMilliseconds(20 + ordinal * 7919 % 41));
    }

    [Fact]
    public async Task KilledFiveTimesThenResumed_WritesTheUninterruptedRunsRecordsExactlyOnce()
    {
        var clock = Stopwatch.StartNew();
        // 60 questions, plus 4 near-copies of earlier ones (MinHash rejects them) and 2 that get empty answers.
        // Random kanji make the 60 far from each other, whatever MinHash's bands.
        var chars = new Random(5);
        var questions = Enumerable.Range(0, 60).Select(i => $"質問{i:D2}: " + new string(Enumerable.Range(0, 24).Select(_ => (char)chars.Next(0x4E00, 0x5000)).ToArray())).ToList();
        questions.InsertRange(20, [questions[3] + "ね", questions[11] + "よ"]);
        questions.AddRange([questions[40] + "ね", questions[50] + "よ", "空の答えが返る質問1", "空の答えが返る質問2"]);
        SynthTestKit.WriteInstructions(_dir.File("inputs.jsonl"), questions);
        const string gates = "  - length: { min_chars: 2, max_chars: 4000 }\n  - minhash: { threshold: 0.7 }\n";
        const string retries = "    timeout_s: 1.5\n    retries: 12\n    backoff_s: 0.02\n    backoff_max_s: 0.1";

        await using var killedServer = await FaultyChatServer.StartAsync(Answer, Plan(seed: 1));
        File.WriteAllText(_dir.File("killed.yaml"), SynthTestKit.RegenerateConfig(killedServer.BaseUrl, "inputs.jsonl", Concurrency, shardRecords: 7, retries, gates: gates));
        var killed = _dir.File("killed-out");
        var random = new Random(23);
        var log = new StringBuilder();
        var left = new List<(int Sealed, int Journaled)>(); // what each kill left on disk
        for (int k = 0; k < Kills; k++)
        {
            // Killed once it has sent 2–9 new requests: always mid-run (the cache answers what earlier runs asked).
            int before = killedServer.Posts, after = before + random.Next(2, 10);
            using var p = SynthTestKit.Start(log, ["synth", "run", "--config", _dir.File("killed.yaml"), "--output", killed, .. k > 0 ? ["--resume"] : Array.Empty<string>()]);
            var waited = Stopwatch.StartNew();
            while (killedServer.Posts < after && !p.HasExited && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(2);
            Assert.False(p.HasExited, $"run {k} ended before it was killed ({killedServer.Posts - before} requests):\n{log}");
            p.Kill(); // SIGKILL: no finally, no flush, no seal
            await p.WaitForExitAsync();
            var journal = Path.Combine(killed, "state", "open.jsonl");
            left.Add((SynthTestKit.ShardLines(killed, "records").Count, File.Exists(journal) ? File.ReadAllLines(journal).Count(l => l.Length > 0) : 0));
        }
        // The kills left both kinds of state to recover: sealed shards, and outcomes only in the journal.
        Assert.Contains(left, l => l.Sealed > 0);
        Assert.Contains(left, l => l.Journaled > 0);
        var resumed = SynthTestKit.Run(TimeSpan.FromSeconds(40), "synth", "run", "--config", _dir.File("killed.yaml"), "--output", killed, "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Matches(@"items\s+66 \([1-9]\d* done by earlier runs\)", resumed.Output);

        await using var wholeServer = await FaultyChatServer.StartAsync(Answer, Plan(seed: 2));
        File.WriteAllText(_dir.File("whole.yaml"), SynthTestKit.RegenerateConfig(wholeServer.BaseUrl, "inputs.jsonl", Concurrency, shardRecords: 7, retries, gates: gates));
        var whole = _dir.File("whole-out");
        var uninterrupted = SynthTestKit.Run(TimeSpan.FromSeconds(40), "synth", "run", "--config", _dir.File("whole.yaml"), "--output", whole);
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Output);

        // Records are a function of the inputs and answers only (meta: recipe, key, seed_id, endpoint, model — the
        // same in both runs), so whole JSON lines are compared; nothing is excluded.
        var records = SynthTestKit.ShardLines(whole, "records");
        var rejected = SynthTestKit.ShardLines(whole, "rejected");
        Assert.Equal(60, records.Count);
        Assert.Equal(6, rejected.Count); // 4 near-copies (minhash), 2 empty answers (the empty gate)
        Assert.Equal(records.Order(StringComparer.Ordinal), SynthTestKit.ShardLines(killed, "records").Order(StringComparer.Ordinal));
        Assert.Equal(rejected.Order(StringComparer.Ordinal), SynthTestKit.ShardLines(killed, "rejected").Order(StringComparer.Ordinal));
        // Stronger, as SynthRunner promises (outcomes committed in item order, a resume continues after the committed
        // prefix): the same order too, shard after shard.
        Assert.Equal(records, SynthTestKit.ShardLines(killed, "records"));
        Assert.Equal(rejected, SynthTestKit.ShardLines(killed, "rejected"));
        foreach (var dir in (string[])[killed, whole])
        {
            var keys = SynthTestKit.Keys(dir);
            Assert.Equal(66, keys.Count);
            Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
            Assert.False(File.Exists(Path.Combine(dir, "state", "open.jsonl")) && new FileInfo(Path.Combine(dir, "state", "open.jsonl")).Length > 0,
                $"{dir}: the journal was not sealed at the end");
        }

        // The cache at work: the uninterrupted run had each answer delivered about once (retries re-ask only failed
        // attempts; an answer the server finished just as the client's timeout fired is delivered twice, which a loaded
        // machine makes happen now and then); the killed runs at most once more for each answer in flight at a kill.
        Assert.True(wholeServer.Posts > questions.Count && killedServer.Posts > questions.Count, "no request was retried: the fault plan did not bite");
        Assert.All(questions, q => Assert.InRange(wholeServer.Delivered[q].Count, 1, 2));
        Assert.InRange(wholeServer.Delivered.Values.Sum(a => a.Count), questions.Count, questions.Count + 3);
        var delivered = killedServer.Delivered;
        Assert.Equal(questions.Order(StringComparer.Ordinal), delivered.Keys.Order(StringComparer.Ordinal));
        Assert.True(delivered.Values.Sum(a => a.Count) <= questions.Count + Kills * Concurrency,
            $"{delivered.Values.Sum(a => a.Count)} answers delivered for {questions.Count} questions over {Kills} kills");
        Assert.All(delivered, d => Assert.True(d.Value.Count <= 3, $"'{d.Key}' was answered {d.Value.Count} times"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>
    /// Every answer in the request cache was paid for by some run of this directory, so `synth stats` — whose
    /// stats.json keeps "one entry per run, so tallies and costs add up across resumed runs" — must count at least the
    /// cache's requests and completion tokens, killed runs included.
    /// </summary>
    [Fact]
    public async Task StatsAfterAKilledRunAndResume_CountTheRequestsAndTokensTheKilledRunPaidFor()
    {
        SynthTestKit.WriteInstructions(_dir.File("inputs.jsonl"), Enumerable.Range(0, 24).Select(i => $"質問{i}: パッケージ{i * 7}の入れ方は？"));
        await using var server = await FaultyChatServer.StartAsync(Answer, _ => ChatFault.Slow(TimeSpan.FromMilliseconds(40)));
        File.WriteAllText(_dir.File("synth.yaml"), SynthTestKit.RegenerateConfig(server.BaseUrl, "inputs.jsonl", Concurrency));
        var output = _dir.File("out");
        var log = new StringBuilder();
        using (var p = SynthTestKit.Start(log, "synth", "run", "--config", _dir.File("synth.yaml"), "--output", output))
        {
            var waited = Stopwatch.StartNew();
            while (server.Posts < 10 && !p.HasExited && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(2);
            Assert.False(p.HasExited, log.ToString());
            p.Kill();
            await p.WaitForExitAsync();
        }
        var resumed = SynthTestKit.Run(TimeSpan.FromSeconds(40), "synth", "run", "--config", _dir.File("synth.yaml"), "--output", output, "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Output);

        var cache = File.ReadAllLines(Path.Combine(output, "state", "requests.jsonl")).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToList();
        var (code, stats, err) = CliRunner.Run("synth", "stats", output);
        Assert.True(code == 0, err);
        var row = Regex.Match(stats, @"^local\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)", RegexOptions.Multiline);
        Assert.True(row.Success, stats);
        Assert.True(long.Parse(row.Groups[1].Value) >= cache.Count,
            $"synth stats counts {row.Groups[1].Value} requests; the cache holds {cache.Count} answers and the server got {server.Posts} POSTs:\n{stats}");
        Assert.True(long.Parse(row.Groups[2].Value) >= cache.Sum(c => (long)c["completion_tokens"]!),
            $"synth stats counts {row.Groups[2].Value} completion tokens; the cached answers alone hold {cache.Sum(c => (long)c["completion_tokens"]!)}:\n{stats}");
    }
}
