using System.Text.Json;
using Tsumugi.Datasets.Sft;
using static Tsumugi.Datasets.Tests.Sft.SftTestData;

namespace Tsumugi.Datasets.Tests.Sft;

public class SftValidationTests
{
    // One good record and one of each problem, on known lines (line 3 is blank and skipped).
    private static string WriteMixed(TempDirectory dir) => SftFiles.Lines(dir.File("mixed.jsonl"),
        """{"messages": [{"role": "user", "content": "こんにちは"}, {"role": "assistant", "content": "こんにちは！"}]}""",
        """{"messages": [{"role": "user", "content": "質問1"}, {"role": "user", "content": "質問2"}, {"role": "assistant", "content": "回答"}]}""",
        "",
        """{"messages": [{"role": "system", "content": "丁寧に"}, {"role": "assistant", "content": "いらっしゃいませ"}]}""",
        """{"messages": [{"role": "user", "content": "天気は？"}, {"role": "tool", "content": "{\"晴れ\"}"}, {"role": "assistant", "content": "晴れです"}]}""",
        """{"messages": [{"role": "user", "content": "  "}, {"role": "assistant", "content": "何でしょう"}]}""",
        """{"messages": [{"role": "user", "content": "途中で切れた""",
        """{"messages": [{"role": "user", "content": "絵を見て"}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "x.png"}}]}]}""",
        """{"messages": [{"role": "user", "content": "最後はユーザー"}]}""",
        """{"dialog": []}""",
        """{"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "数"}]}""");

    [Fact]
    public void Read_MixedProblems_CountsEachReasonWithFileAndLine()
    {
        using var dir = new TempDirectory();
        var file = WriteMixed(dir);

        var data = SftReader.Read(Config(file));
        var report = data.Report;

        Assert.Single(data.Train);
        Assert.Equal(10, report.RecordsRead);
        Assert.Equal(1, report.Accepted);
        Assert.Equal(9, report.Rejected);
        Assert.Equal(new Dictionary<string, long>
        {
            [SftRejectReason.BadRoleOrder] = 3,
            [SftRejectReason.UnknownRole] = 1,
            [SftRejectReason.EmptyTurn] = 1,
            [SftRejectReason.MalformedJson] = 1,
            [SftRejectReason.NonTextContent] = 1,
            [SftRejectReason.MissingColumn] = 1,
            [SftRejectReason.WrongType] = 1,
        }.OrderBy(kv => kv.Key), report.RejectedByReason.OrderBy(kv => kv.Key));
        var order = report.Samples[SftRejectReason.BadRoleOrder];
        Assert.Equal(["mixed.jsonl:2", "mixed.jsonl:4", "mixed.jsonl:9"], order.Select(r => $"{Path.GetFileName(r.Location.File)}:{r.Location.Line}"));
        Assert.Contains("two user turns in a row (messages 0 and 1)", order[0].Detail);
        Assert.Contains("assistant speaks first after the system message", order[1].Detail);
        Assert.Contains("ends with a user turn", order[2].Detail);
        Assert.Contains("role 'tool'", report.Samples[SftRejectReason.UnknownRole][0].Detail);
        Assert.Equal(7, report.Samples[SftRejectReason.MalformedJson][0].Location.Line);
        Assert.Contains("no column 'messages' (columns: dialog)", report.Samples[SftRejectReason.MissingColumn][0].Detail);
        Assert.Contains($"  unknown_role: 1\n    {file}:5: messages[1] has role 'tool'", report.Summary());
    }

    [Fact]
    public void Read_RejectsPath_WritesEveryRejectWithReasonAndOriginalRecord()
    {
        using var dir = new TempDirectory();
        var file = WriteMixed(dir);
        var rejects = dir.File("run/rejects.jsonl");

        SftReader.Read(Config(file) with { Rejects = rejects });

        var lines = File.ReadAllLines(rejects).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([2, 4, 5, 6, 7, 8, 9, 10, 11], lines.Select(l => l.GetProperty("line").GetInt64()).Order());
        var empty = lines.Single(l => l.GetProperty("reason").GetString() == SftRejectReason.EmptyTurn);
        Assert.Equal(6, empty.GetProperty("line").GetInt64());
        Assert.Equal("何でしょう", empty.GetProperty("data").GetProperty("messages")[1].GetProperty("content").GetString());
        var malformed = lines.Single(l => l.GetProperty("reason").GetString() == SftRejectReason.MalformedJson);
        Assert.StartsWith("{\"messages\"", malformed.GetProperty("data").GetString());
    }

    [Fact]
    public void Reject_TooLongAfterTokenization_CountsAndRewritesRejectsFile()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("ok.jsonl"), DollyLine1, DollyLine2);
        var rejects = dir.File("rejects.jsonl");
        var data = SftReader.Read(Config(file) with { Rejects = rejects });
        Assert.Equal("", File.ReadAllText(rejects));

        data.Report.Reject(data.Train[1], SftRejectReason.TooLong, "2300 tokens > seq_length 2048");
        data.Report.WriteRejects(rejects);

        Assert.Equal(1, data.Report.RejectedByReason[SftRejectReason.TooLong]);
        var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(rejects))).RootElement;
        Assert.Equal(2, line.GetProperty("line").GetInt64());
        Assert.Equal("猫は昼に寝て夜に活動する。", line.GetProperty("data").GetProperty("messages")[1].GetProperty("content").GetString());
    }

    [Fact]
    public void Read_SamplesPerReason_KeepsOnlyTheFirstFewButCountsAll()
    {
        using var dir = new TempDirectory();
        var bad = """{"instruction": "", "output": "答え"}""";
        var file = SftFiles.Lines(dir.File("d.jsonl"), [DollyLine1, .. Enumerable.Repeat(bad, 5)]);

        var report = SftReader.Read(Config(file)).Report;

        Assert.Equal(5, report.RejectedByReason[SftRejectReason.EmptyTurn]);
        Assert.Equal([2, 3, 4], report.Samples[SftRejectReason.EmptyTurn].Select(r => r.Location.Line));
    }

    [Fact]
    public void Read_NothingUsable_FailsWithTheReport()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("d.jsonl"), """{"instruction": "質問", "output": ""}""");

        var e = Assert.Throws<SftDataException>(() => SftReader.Read(Config(file)));

        Assert.Contains("no usable SFT examples in 1 file(s) (1 rejected)", e.Message);
        Assert.Contains("empty_turn: 1", e.Message);
    }

    [Fact]
    public void Read_TruncatedGzip_FailsNamingTheFile()
    {
        using var dir = new TempDirectory();
        var full = SftFiles.Lines(dir.File("big.jsonl.gz"), Enumerable.Repeat(DollyLine2, 2000).ToArray());
        var bytes = File.ReadAllBytes(full);
        var cut = dir.File("cut.jsonl.gz");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<SftDataException>(() => SftReader.Read(Config(cut)));

        Assert.Contains(cut, e.Message);
        Assert.Contains("damaged or cut short", e.Message);
    }
}
