namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// Jamp (temporal NLI, CC BY-SA 4.0): llm-jp-eval's jaster/jamp.py. Tab-separated with a header; premise, hypothesis
/// and gold_label per row; train_all.tsv is shuffled into train/dev, test_2.tsv is the test set.
/// </summary>
public sealed class Jamp : TrainTestPreprocessor
{
    public override string Name => "jamp";
    public override string RawFilesHelp => "Jamp's dataset/train_all.tsv and dataset/test_2.tsv (github.com/tomo-ut/temporalNLI_dataset)";
    protected override IReadOnlyList<string> TrainFiles => ["train_all.tsv", "jamp_train.tsv"];
    protected override IReadOnlyList<string> TestFiles => ["test_2.tsv", "test.tsv", "jamp_test.tsv"];

    protected override EvalTaskInfo Info { get; } = new(
        "前提と仮説の関係をentailment、contradiction、neutralの中から回答してください。それ以外には何も含めないことを厳守してください。\n\n制約：\n- 前提から仮説が、時間関係上導出可能である場合はentailmentと出力\n- 前提と仮説が両立しえない場合はcontradictionと出力\n- そのいずれでもない場合はneutralと出力",
        3, ["exact_match"]);

    const string Expected = "Jamp TSV: a header line naming premise, hypothesis and gold_label";

    protected override IEnumerable<EvalSample> Read(string path) =>
        RawTsv.Rows(Name, path, Expected, ["premise", "hypothesis", "gold_label"])
            .Select(r => new EvalSample($"前提：{r["premise"]}\n仮説：{r["hypothesis"]}", r["gold_label"]));
}
