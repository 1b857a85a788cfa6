using System.Text.RegularExpressions;

namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi synth stats DIR` after a run that met faults: records, rejections by gate, and the endpoint's tally.</summary>
[Collection("cli")]
public sealed class SynthStatsTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-synth-stats");
    public void Dispose() => _dir.Dispose();

    /// <summary>Questions with 拒 get a refusal, 短 a one-character answer, 無 nothing; the rest an answer that passes.</summary>
    static string Answer(IReadOnlyList<(string Role, string Content)> messages)
    {
        var q = messages[^1].Content;
        return q.Contains('拒') ? "申し訳ありませんが、お答えできません。" : q.Contains('短') ? "は" : q.Contains('無') ? "" : $"{q}への答えです。";
    }

    [Fact]
    public async Task Stats_AfterARunWithFaults_CountsRecordsRejectionsByGateAndTheEndpointTally()
    {
        string[] questions = ["aptとは？", "拒否される質問1", "dpkgとは？", "短い答えの質問", "拒否される質問2", "debconfとは？", "無回答の質問", "sourcesとは？"];
        SynthTestKit.WriteInstructions(_dir.File("inputs.jsonl"), questions);
        // One at a time, so the first question's first five attempts meet the five faults and its sixth is answered.
        ChatFault[] faults = [ChatFault.TooManyRequests(1), ChatFault.ServerError(503), ChatFault.TruncatedJson, ChatFault.CloseConnection, ChatFault.ServerError(500)];
        await using var server = await FaultyChatServer.StartAsync(Answer, i => i < faults.Length ? faults[i] : ChatFault.None);
        File.WriteAllText(_dir.File("synth.yaml"), SynthTestKit.RegenerateConfig(server.BaseUrl, "inputs.jsonl", concurrency: 1, shardRecords: 2,
            endpointExtra: "    backoff_s: 0.01\n    backoff_max_s: 0.05\n    price_completion_per_million: 1000000"));
        var run = CliRunner.Run("synth", "run", "--config", _dir.File("synth.yaml"), "--output", _dir.File("out"));
        Assert.True(run.ExitCode == 0, run.Err + run.Out);

        var (code, output, err) = CliRunner.Run("synth", "stats", _dir.File("out"));
        Assert.True(code == 0, err);
        Assert.Contains($"records   4 accepted in {Path.Combine(_dir.File("out"), "records")}", output);
        Assert.Contains("rejected  4 in", output);
        Assert.Contains("by gate: refusal 2, ", output);
        Assert.Contains("length 1", output);
        Assert.Contains("empty 1", output);
        Assert.Matches(@"runs\s+1 recorded", output);
        // Every POST is an attempt: 8 answered + 5 faulted = the server's count; a completion token per answer character (price 1 a token).
        Assert.Equal(questions.Length + faults.Length, server.Posts);
        long completion = questions.Sum(q => (long)Answer([("user", q)]).Length);
        var row = Regex.Match(output, @"^local\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(.*)$", RegexOptions.Multiline);
        Assert.True(row.Success, output);
        Assert.Equal([server.Posts, questions.Length, 0, faults.Length], Enumerable.Range(1, 4).Select(i => int.Parse(row.Groups[i].Value)));
        Assert.Equal(completion, long.Parse(row.Groups[6].Value));
        Assert.Equal(completion, double.Parse(row.Groups[7].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("bad_response 1, connection 1, http_429 1, http_5xx 2", row.Groups[8].Value.Trim());
        Assert.Contains($"the {questions.Length} answers in state/requests.jsonl", output);
    }

    [Fact]
    public void Stats_OfAFolderWithoutARun_SaysWhatToGive()
    {
        var (code, _, err) = CliRunner.Run("synth", "stats", _dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("no synth run here", err);
        Assert.Contains("--output directory of `tsumugi synth run`", err);
    }
}
