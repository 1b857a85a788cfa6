namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// JNLI (JGLUE v1.1, CC BY-SA 4.0): llm-jp-eval's jaster/jnli.py. Each JSON line has sentence1 (premise), sentence2
/// (hypothesis) and label (entailment / contradiction / neutral).
/// </summary>
public sealed class Jnli : TrainTestPreprocessor
{
    public override string Name => "jnli";
    public override string RawFilesHelp => "JGLUE's datasets/jnli-v1.1/train-v1.1.json and valid-v1.1.json (github.com/yahoojapan/JGLUE)";
    protected override IReadOnlyList<string> TrainFiles => ["train-v1.1.json", "jnli_train.json"];
    protected override IReadOnlyList<string> TestFiles => ["valid-v1.1.json", "jnli_test.json"];

    protected override EvalTaskInfo Info { get; } = new(
        "前提と仮説の関係をentailment、contradiction、neutralの中から回答してください。それ以外には何も含めないことを厳守してください。\n\n制約：\n- 前提から仮説が、論理的知識や常識的知識を用いて導出可能である場合はentailmentと出力\n- 前提と仮説が両立しえない場合はcontradictionと出力\n- そのいずれでもない場合はneutralと出力",
        3, ["exact_match"]);

    const string Expected = "JGLUE JNLI JSON lines with sentence1, sentence2 and label";

    protected override IEnumerable<EvalSample> Read(string path) => RawJson.ReadLines(Name, path, Expected, (r, at) =>
        new EvalSample($"前提：{RawJson.String(r, "sentence1", at)}\n仮説：{RawJson.String(r, "sentence2", at)}", RawJson.String(r, "label", at)));
}
