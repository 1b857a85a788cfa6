namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// JSICK (CC BY-SA 4.0): llm-jp-eval's jaster/jsick.py. Tab-separated with a header line; llm-jp-eval reads columns 8, 9 and 10
/// (0-based): sentence_A_Ja, sentence_B_Ja and entailment_label_Ja.
/// </summary>
public sealed class Jsick : TrainTestPreprocessor
{
    public override string Name => "jsick";
    public override string RawFilesHelp => "JSICK's jsick/train.tsv and jsick/test.tsv (github.com/verypluming/JSICK)";
    protected override IReadOnlyList<string> TrainFiles => ["train.tsv", "jsick_train.tsv"];
    protected override IReadOnlyList<string> TestFiles => ["test.tsv", "jsick_test.tsv"];

    protected override EvalTaskInfo Info { get; } = new(
        "前提と仮説の関係をentailment、contradiction、neutralの中から回答してください。それ以外には何も含めないことを厳守してください。\n\n制約：\n- 前提が真であるとき仮説が必ず真になる場合はentailmentと出力\n- 前提が真であるとき仮説が必ず偽になる場合はcontradictionと出力\n- そのいずれでもない場合はneutralと出力",
        3, ["exact_match"]);

    const string Expected = "JSICK TSV: a header line, then pair_ID … sentence_A_Ja, sentence_B_Ja, entailment_label_Ja";

    protected override IEnumerable<EvalSample> Read(string path) =>
        RawTsv.Rows(Name, path, Expected, ["sentence_A_Ja", "sentence_B_Ja", "entailment_label_Ja"])
            .Select(r => new EvalSample($"前提：{r["sentence_A_Ja"]}\n仮説：{r["sentence_B_Ja"]}", r["entailment_label_Ja"]));
}
