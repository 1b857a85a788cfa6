using Tsumugi.Evaluation.Datasets;
using static Tsumugi.Evaluation.Tests.Datasets.RawDir;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>llm-jp-eval jaster/jemhopqa.py: "質問：{question}" → answer; output_length 15, char_f1; the instruction asks
/// for YES / NO on yes-no questions.</summary>
public sealed class JemhopQATests : IDisposable
{
    readonly RawDir _raw = new();
    public void Dispose() => _raw.Dispose();

    static string Item(string q, string a) =>
        $$"""{"qid": "x", "type": "comparison", "question": "{{q}}", "answer": "{{a}}", "derivations": [["A", "開業", "1900"]], "page_ids": ["1"], "time_dependent": false}""";

    [Fact]
    public void QuestionsAndAnswersFromTheJsonList()
    {
        _raw.Write("train.json", $"[{Item("東京駅と大阪駅はどちらが先に開業した？", "東京駅")},\n{Item("鴨川と桂川はどちらも京都府を流れる？", "YES")}]");
        _raw.Write("dev.json", $"[{Item("奈良と京都はどちらも県庁所在地？", "NO")}]");
        var splits = _raw.Prepare(new JemhopQA());
        Assert.Equal([S("質問：鴨川と桂川はどちらも京都府を流れる？", "YES")], splits.Train);
        Assert.Equal([S("質問：東京駅と大阪駅はどちらが先に開業した？", "東京駅")], splits.Dev);
        Assert.Equal([S("質問：奈良と京都はどちらも県庁所在地？", "NO")], splits.Test);
        Assert.EndsWith("回答が'はい'と'いいえ'で答えることができる場合、'YES'と'NO'で答えてください。", splits.Info.Instruction);
        Assert.Equal(15, splits.Info.OutputLength);
    }

    [Fact]
    public void ABrokenFileNamesTheLineOfTheSyntaxError()
    {
        var train = _raw.Write("train.json", "[\n" + Item("q", "a") + ",\n{\"question\": }\n]");
        _raw.Write("dev.json", $"[{Item("q", "a")}]");
        var e = Assert.Throws<InvalidDataException>(() => new JemhopQA().Prepare(_raw.Path));
        Assert.StartsWith($"jemhopqa: {train} line 3: not valid JSON", e.Message);
    }

    [Fact]
    public void ARecordWithoutAnswerNamesItsIndex()
    {
        var train = _raw.Write("train.json", $$"""[{{Item("q", "a")}}, {"question": "q2"}]""");
        _raw.Write("dev.json", $"[{Item("q", "a")}]");
        var e = Assert.Throws<InvalidDataException>(() => new JemhopQA().Prepare(_raw.Path));
        Assert.StartsWith($"jemhopqa: {train} at [1]: field 'answer' missing.", e.Message);
    }
}
