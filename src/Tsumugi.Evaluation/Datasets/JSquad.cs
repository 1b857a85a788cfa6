namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// JSQuAD (JGLUE v1.1, CC BY-SA 4.0): llm-jp-eval's jaster/jsquad.py. SQuAD layout: data[].paragraphs[] with context
/// and qas[] (question, answers[]); one sample per question, its output the first answer's text.
/// </summary>
public sealed class JSquad : TrainTestPreprocessor
{
    public override string Name => "jsquad";
    public override string RawFilesHelp => "JGLUE's datasets/jsquad-v1.1/train-v1.1.json and valid-v1.1.json (github.com/yahoojapan/JGLUE)";
    protected override IReadOnlyList<string> TrainFiles => ["train-v1.1.json", "jsquad_train.json"];
    protected override IReadOnlyList<string> TestFiles => ["valid-v1.1.json", "jsquad_test.json"];

    protected override EvalTaskInfo Info { get; } = new(
        "質問に対する回答を文章から一言で抽出してください。回答は名詞で答えてください。 それ以外には何も含めないことを厳守してください。",
        25, ["char_f1"]);

    const string Expected = "JGLUE JSQuAD (SQuAD layout: {\"data\": [{\"paragraphs\": [{\"context\", \"qas\": [{\"question\", \"answers\": [{\"text\"}]}]}]}]})";

    protected override IEnumerable<EvalSample> Read(string path)
    {
        var root = RawJson.ReadDocument(Name, path, Expected);
        var top = new RawLine(Name, path, "at the top level", Expected);
        if (root.ValueKind != System.Text.Json.JsonValueKind.Object) throw top.Error("not a JSON object");
        int d = 0;
        foreach (var article in RawJson.Array(root, "data", top).EnumerateArray())
        {
            int p = 0;
            foreach (var paragraph in RawJson.Array(article, "paragraphs", At(path, $"data[{d}]")).EnumerateArray())
            {
                var pAt = At(path, $"data[{d}].paragraphs[{p}]");
                var context = RawJson.String(paragraph, "context", pAt);
                int q = 0;
                foreach (var qa in RawJson.Array(paragraph, "qas", pAt).EnumerateArray())
                {
                    var qPath = $"data[{d}].paragraphs[{p}].qas[{q++}]";
                    var qAt = At(path, qPath);
                    var answers = RawJson.Array(qa, "answers", qAt);
                    if (answers.GetArrayLength() == 0) throw qAt.Error("field 'answers' is empty");
                    yield return new EvalSample($"文章：{context}\n質問：{RawJson.String(qa, "question", qAt)}",
                        RawJson.String(answers[0], "text", At(path, qPath + ".answers[0]")));
                }
                p++;
            }
            d++;
        }
    }

    RawLine At(string path, string jsonPath) => new(Name, path, "at " + jsonPath, Expected);
}
