using System.Text.Json;
using Tsumugi.Datasets.Preference;
using Tsumugi.Datasets.Sft;
using Tsumugi.Datasets.Tests.Sft;
using static Tsumugi.Datasets.Tests.Preference.PreferenceTestData;

namespace Tsumugi.Datasets.Tests.Preference;

public class PreferenceValidationTests
{
    // One good pair and one of each problem, on known lines (line 3 is blank and skipped).
    private static string WritePairs(TempDirectory dir) => SftFiles.Lines(dir.File("pairs.jsonl"),
        ConversationPair,
        """{"prompt": [{"role": "user", "content": "色は？"}], "chosen": [{"role": "assistant", "content": "赤"}]}""",
        "",
        """{"prompt": [{"role": "user", "content": "色は？"}], "chosen": [{"role": "assistant", "content": "赤"}], "rejected": [{"role": "assistant", "content": "赤"}]}""",
        """{"prompt": "数は？", "chosen": "一", "rejected": "一"}""",
        """{"prompt": [{"role": "user", "content": "  "}], "chosen": [{"role": "assistant", "content": "はい"}], "rejected": [{"role": "assistant", "content": "いいえ"}]}""",
        """{"prompt": [{"role": "user", "content": "質問"}], "chosen": [{"role": "user", "content": "逆質問"}], "rejected": [{"role": "assistant", "content": "答え"}]}""",
        """{"prompt": "文字列", "chosen": [{"role": "assistant", "content": "リスト"}], "rejected": "文字列"}""",
        """{"prompt": [{"role": "user", "content": "途中で切れた""",
        """{"prompt": [{"role": "user", "content": "道具"}], "chosen": [{"role": "tool", "content": "{}"}], "rejected": [{"role": "assistant", "content": "いいえ"}]}""",
        """{"prompt": null, "chosen": "a", "rejected": "b"}""");

    [Fact]
    public void Read_MixedProblems_CountsEachReasonWithFileAndLine()
    {
        using var dir = new TempDirectory();
        var file = WritePairs(dir);

        var data = PreferenceReader.Read(Config(file));
        var report = data.Report;

        Assert.Single(data.Train);
        Assert.Equal(10, report.RecordsRead);
        Assert.Equal(1, report.Accepted);
        Assert.Equal(9, report.Rejected);
        Assert.Equal(new Dictionary<string, long>
        {
            [SftRejectReason.MissingColumn] = 2,
            [PreferenceRejectReason.IdenticalPair] = 2,
            [SftRejectReason.EmptyTurn] = 1,
            [SftRejectReason.BadRoleOrder] = 1,
            [SftRejectReason.WrongType] = 1,
            [SftRejectReason.MalformedJson] = 1,
            [SftRejectReason.UnknownRole] = 1,
        }.OrderBy(kv => kv.Key), report.RejectedByReason.OrderBy(kv => kv.Key));
        Assert.Equal([4L, 5L], report.Samples[PreferenceRejectReason.IdenticalPair].Select(r => r.Location.Line));
        Assert.Contains("no column 'rejected' (columns: prompt, chosen)", report.Samples[SftRejectReason.MissingColumn][0].Detail);
        Assert.Contains("'prompt' is null", report.Samples[SftRejectReason.MissingColumn][1].Detail);
        Assert.Equal("prompt + 'chosen': message 0 (user) is empty", report.Samples[SftRejectReason.EmptyTurn][0].Detail);
        Assert.Contains("'chosen' opens with a user turn", report.Samples[SftRejectReason.BadRoleOrder][0].Detail);
        Assert.Contains("'prompt' is a string, 'chosen' is an array, 'rejected' is a string; all must be strings or all message lists", report.Samples[SftRejectReason.WrongType][0].Detail);
        Assert.Equal(9, report.Samples[SftRejectReason.MalformedJson][0].Location.Line);
        Assert.Contains($"  identical_pair: 2\n    {file}:4: 'chosen' and 'rejected' are the same", report.Summary());
        Assert.StartsWith("Preference data (paired): 10 records in 1 file(s); 1 kept (1 train, 0 validation), 9 rejected\n", report.Summary());
    }

    [Fact]
    public void Read_UnpairedProblems_BadLabelsAndMissingColumnsCounted()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("kto.jsonl"),
            UnpairedText,
            """{"prompt": "a", "completion": "b", "label": "true"}""",
            """{"prompt": "a", "completion": "b", "label": 1}""",
            """{"prompt": "a", "completion": "b"}""",
            """{"prompt": "a", "chosen": "b", "rejected": "c"}""",
            """{"prompt": [{"role": "user", "content": "a"}], "completion": [{"role": "assistant", "content": " "}], "label": false}""");

        var data = PreferenceReader.Read(Config(file));

        Assert.Single(data.UnpairedTrain);
        Assert.Equal(2, data.Report.RejectedByReason[PreferenceRejectReason.BadLabel]);
        Assert.Equal(2, data.Report.RejectedByReason[SftRejectReason.MissingColumn]);
        Assert.Equal(1, data.Report.RejectedByReason[SftRejectReason.EmptyTurn]);
        var labels = data.Report.Samples[PreferenceRejectReason.BadLabel];
        Assert.Equal("'label' is the string \"true\"; a label is true (desirable) or false (undesirable)", labels[0].Detail);
        Assert.Equal("'label' is a number (1); a label is true (desirable) or false (undesirable)", labels[1].Detail);
        Assert.Contains("no column 'completion'", data.Report.Samples[SftRejectReason.MissingColumn][1].Detail);
    }

    [Theory]
    [InlineData("""{"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "rejected": [{"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}""", PreferenceRejectReason.NoSharedPrompt, "share no leading message")]
    [InlineData("""{"chosen": "赤い花", "rejected": "青い花"}""", PreferenceRejectReason.NoSharedPrompt, "begin differently")]
    [InlineData("""{"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "rejected": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}""", PreferenceRejectReason.IdenticalPair, "same conversation")]
    [InlineData("""{"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}], "rejected": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "e"}, {"role": "assistant", "content": "f"}]}""", SftRejectReason.BadRoleOrder, "part after message 1 (assistant)")]
    [InlineData("""{"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "rejected": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}""", SftRejectReason.EmptyTurn, "'chosen' holds no message after the prompt")]
    public void Read_ImplicitPromptThatCannotBeExtracted_RejectedWithReason(string line, string reason, string detail)
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("implicit.jsonl"), ImplicitConversationPair, line);

        var report = PreferenceReader.Read(Config(file)).Report;

        var reject = Assert.Single(report.Rejects);
        Assert.Equal(reason, reject.Reason);
        Assert.Contains(detail, reject.Detail);
        Assert.Equal(2, reject.Location.Line);
    }

    [Fact]
    public void Read_RejectsPath_WritesEveryRejectWithReasonAndOriginalRecord()
    {
        using var dir = new TempDirectory();
        var file = WritePairs(dir);
        var rejects = dir.File("run/rejects.jsonl");

        PreferenceReader.Read(Config(file) with { Rejects = rejects });

        var lines = File.ReadAllLines(rejects).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([2, 4, 5, 6, 7, 8, 9, 10, 11], lines.Select(l => l.GetProperty("line").GetInt64()).Order());
        var identical = lines.First(l => l.GetProperty("reason").GetString() == PreferenceRejectReason.IdenticalPair);
        Assert.Equal("赤", identical.GetProperty("data").GetProperty("rejected")[0].GetProperty("content").GetString());
        var malformed = lines.Single(l => l.GetProperty("reason").GetString() == SftRejectReason.MalformedJson);
        Assert.StartsWith("{\"prompt\"", malformed.GetProperty("data").GetString());
    }

    [Fact]
    public void Report_EngineRejectsAndTruncations_CountedInSummaryAndRejectsFile()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("pairs.jsonl"), TextPair, ConversationPair);
        var rejects = dir.File("rejects.jsonl");
        var data = PreferenceReader.Read(Config(file) with { Rejects = rejects });
        Assert.Empty(File.ReadAllLines(rejects));
        Assert.DoesNotContain("truncated", data.Report.Summary());

        data.Report.Truncated++;
        data.Report.Reject(new SftReject(data.Train[1].Location, SftRejectReason.TooLong, "the prompt fills the row", ""));
        data.Report.WriteRejects(rejects);

        Assert.Contains("1 rejected, 1 truncated to the sequence length", data.Report.Summary());
        Assert.Contains($"  too_long: 1\n    {file}:2: the prompt fills the row", data.Report.Summary());
        Assert.Equal(2, JsonDocument.Parse(Assert.Single(File.ReadAllLines(rejects))).RootElement.GetProperty("line").GetInt64());
    }

    [Fact]
    public void Read_OnlyRejects_ErrorWithTheSummary()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("bad.jsonl"), """{"prompt": "a", "chosen": "b", "rejected": "b"}""");

        var e = Assert.Throws<PreferenceDataException>(() => PreferenceReader.Read(Config(file)));

        Assert.StartsWith("dpo.yaml: no usable preference records in 1 file(s) (1 rejected)", e.Message);
        Assert.Contains("identical_pair: 1", e.Message);
    }
}
