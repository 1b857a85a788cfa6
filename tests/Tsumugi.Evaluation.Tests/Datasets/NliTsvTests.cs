using Tsumugi.Evaluation.Datasets;
using static Tsumugi.Evaluation.Tests.Datasets.RawDir;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>The TSV NLI sets: llm-jp-eval jaster/jsick.py (columns sentence_A_Ja, sentence_B_Ja, entailment_label_Ja;
/// train.tsv / test.tsv) jaster/janli.py (one janli.tsv whose split column marks the test rows) and jaster/jamp.py
/// (premise, hypothesis, gold_label; train_all.tsv / test.tsv).</summary>
public sealed class NliTsvTests : IDisposable
{
    readonly RawDir _raw = new();
    public void Dispose() => _raw.Dispose();

    const string JsickHeader = "pair_ID\tdata\tsentence_A_En\tsentence_B_En\tentailment_label_En\trelatedness_score_En\tcorr_entailment_labelAB_En\tcorr_entailment_labelBA_En\tsentence_A_Ja\tsentence_B_Ja\tentailment_label_Ja\trelatedness_score_Ja\timage_ID\toriginal_caption\tsemtag_short\tsemtag_long\n";

    static string JsickRow(string a, string b, string label) => $"1\ttrain\tA\tB\tneutral\t3.0\tx\tx\t{a}\t{b}\t{label}\t3.5\timg.jpg\tcap\ts\tl\n";

    [Fact]
    public void JsickReadsTheJapaneseColumns()
    {
        _raw.Write("train.tsv", JsickHeader + JsickRow("男性が歌っている。", "人が歌っている。", "entailment") + JsickRow("女性が泳いでいる。", "女性が眠っている。", "contradiction"));
        _raw.Write("test.tsv", JsickHeader + JsickRow("犬が吠えている。", "猫が鳴いている。", "neutral"));
        var splits = _raw.Prepare(new Jsick());
        Assert.Equal([S("前提：女性が泳いでいる。\n仮説：女性が眠っている。", "contradiction")], splits.Train);
        Assert.Equal([S("前提：男性が歌っている。\n仮説：人が歌っている。", "entailment")], splits.Dev);
        Assert.Equal([S("前提：犬が吠えている。\n仮説：猫が鳴いている。", "neutral")], splits.Test);
        Assert.Contains("前提が真であるとき仮説が必ず偽になる場合はcontradictionと出力", splits.Info.Instruction);
    }

    [Fact]
    public void JsickRejectsAFileWithoutItsColumnsAndAShortRow()
    {
        var train = _raw.Write("train.tsv", "premise\thypothesis\tlabel\n");
        _raw.Write("test.tsv", JsickHeader + JsickRow("a", "b", "neutral"));
        var e = Assert.Throws<InvalidDataException>(() => new Jsick().Prepare(_raw.Path));
        Assert.StartsWith($"jsick: {train} line 1: the header has no column 'sentence_A_Ja'.", e.Message);

        _raw.Write("train.tsv", JsickHeader + JsickRow("a", "b", "neutral") + "1\ttrain\tA\n");
        e = Assert.Throws<InvalidDataException>(() => new Jsick().Prepare(_raw.Path));
        Assert.StartsWith($"jsick: {train} line 3: 3 tab-separated columns, need at least 11.", e.Message);
    }

    [Fact]
    public void JanliSplitsByItsSplitColumnAndTakesTheFileItself()
    {
        var tsv = _raw.Write("janli.tsv", "\tsentence_A_Ja\tsentence_B_Ja\tentailment_label_Ja\theuristics\tnumber_of_NPs\tsemtag\tsplit\n"
            + "0\t学生が先生を見た。\t先生が学生を見た。\tnon-entailment\toverlap-full\t2\tscramble\ttrain\n"
            + "1\t子供が犬を追う。\t子供が犬を追う。\tentailment\toverlap-full\t2\tscramble\ttest\n"
            + "2\t男が女を呼ぶ。\t女が男を呼ぶ。\tnon-entailment\toverlap-full\t2\tscramble\ttrain\n"
            + "3\t猫が鳥を見る。\t鳥が猫を見る。\tnon-entailment\toverlap-full\t2\tscramble\ttrain\n");
        var splits = _raw.Prepare(new Janli(), tsv);
        // Train rows 0, 2, 3; shuffle(range(3)) with seed 42 == [1, 0, 2]; int(3 * 0.9) == 2.
        Assert.Equal(["前提：男が女を呼ぶ。\n仮説：女が男を呼ぶ。", "前提：学生が先生を見た。\n仮説：先生が学生を見た。"], splits.Train.Select(s => s.Input));
        Assert.Equal("前提：猫が鳥を見る。\n仮説：鳥が猫を見る。", Assert.Single(splits.Dev).Input);
        Assert.Equal([S("前提：子供が犬を追う。\n仮説：子供が犬を追う。", "entailment")], splits.Test);
        Assert.Equal(7, splits.Info.OutputLength);
    }

    [Fact]
    public void JampReadsPremiseHypothesisAndGoldLabel()
    {
        const string header = "num\tpremise\thypothesis\tgold_label\ttemplate_num\ttime_format\ttime_span\tcategory\n";
        _raw.Write("train_all.tsv", header + "0\t太郎は昨日東京に行った。\t太郎は今日より前に東京に行った。\tentailment\t1\t日\t点\t時制\n"
            + "1\t花子は明日出発する。\t花子は昨日出発した。\tcontradiction\t2\t日\t点\t時制\n");
        _raw.Write("test.tsv", header + "2\t会議は三時間続いた。\t会議は一時間で終わった。\tcontradiction\t3\t時間\t区間\t期間\n");
        var splits = _raw.Prepare(new Jamp());
        // shuffle(range(2)) with seed 42 == [1, 0]; int(2 * 0.9) == 1.
        Assert.Equal([S("前提：花子は明日出発する。\n仮説：花子は昨日出発した。", "contradiction")], splits.Train);
        Assert.Equal("entailment", Assert.Single(splits.Dev).Output);
        Assert.Equal([S("前提：会議は三時間続いた。\n仮説：会議は一時間で終わった。", "contradiction")], splits.Test);
        Assert.Contains("時間関係上導出可能", splits.Info.Instruction);
    }
}
