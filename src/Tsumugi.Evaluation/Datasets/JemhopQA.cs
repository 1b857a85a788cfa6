namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// JEMHopQA (CC BY-SA 4.0): llm-jp-eval's jaster/jemhopqa.py. The corpus files are JSON lists of objects with
/// question and answer (yes/no questions already answer YES / NO).
/// </summary>
public sealed class JemhopQA : TrainTestPreprocessor
{
    public override string Name => "jemhopqa";
    public override string RawFilesHelp => "JEMHopQA's corpus/train.json and corpus/dev.json (github.com/aiishii/JEMHopQA)";
    protected override IReadOnlyList<string> TrainFiles => ["train.json", "jemhopqa_train.json"];
    protected override IReadOnlyList<string> TestFiles => ["dev.json", "jemhopqa_test.json"];

    protected override EvalTaskInfo Info { get; } = new(
        "質問を入力とし、回答を出力してください。回答の他には何も含めないことを厳守してください。回答が'はい'と'いいえ'で答えることができる場合、'YES'と'NO'で答えてください。",
        15, ["char_f1"]);

    const string Expected = "a JEMHopQA corpus file: a JSON list of objects with question and answer";

    protected override IEnumerable<EvalSample> Read(string path)
    {
        var root = RawJson.ReadDocument(Name, path, Expected);
        if (root.ValueKind != System.Text.Json.JsonValueKind.Array) throw new RawLine(Name, path, "at the top level", Expected).Error("not a JSON list");
        int i = 0;
        foreach (var record in root.EnumerateArray())
        {
            var at = new RawLine(Name, path, $"at [{i++}]", Expected);
            yield return new EvalSample($"質問：{RawJson.String(record, "question", at)}", RawJson.String(record, "answer", at));
        }
    }
}
