namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// JCommonsenseQA (JGLUE v1.1, CC BY-SA 4.0): llm-jp-eval's jaster/jcommonsenseqa.py. Each JSON line has q_id,
/// question, choice0..choice4 and label (0-4); the input lists the numbered choices and the output is the label.
/// </summary>
public sealed class JCommonsenseQA : TrainTestPreprocessor
{
    public override string Name => "jcommonsenseqa";
    public override string RawFilesHelp => "JGLUE's datasets/jcommonsenseqa-v1.1/train-v1.1.json and valid-v1.1.json (github.com/yahoojapan/JGLUE)";
    protected override IReadOnlyList<string> TrainFiles => ["train-v1.1.json", "jcommonsenseqa_train.json"];
    protected override IReadOnlyList<string> TestFiles => ["valid-v1.1.json", "jcommonsenseqa_test.json"];

    protected override EvalTaskInfo Info { get; } = new(
        "質問と回答の選択肢を入力として受け取り、選択肢から回答を選択してください。なお、回答は選択肢の番号（例：0）でするものとします。 回答となる数値をint型で返し、他には何も含めないことを厳守してください。",
        1, ["exact_match"]);

    const string Expected = "JGLUE JCommonsenseQA JSON lines with question, choice0..choice4 and label";

    protected override IEnumerable<EvalSample> Read(string path) => RawJson.ReadLines(Name, path, Expected, (r, at) =>
    {
        var choices = string.Join(",", Enumerable.Range(0, 5).Select(i => $"{i}.{RawJson.String(r, $"choice{i}", at)}"));
        return new EvalSample($"質問：{RawJson.String(r, "question", at)}\n選択肢：{choices}", RawJson.Scalar(r, "label", at));
    });
}
