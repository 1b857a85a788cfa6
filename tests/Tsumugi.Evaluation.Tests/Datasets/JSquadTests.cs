using Tsumugi.Evaluation.Datasets;
using static Tsumugi.Evaluation.Tests.Datasets.RawDir;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>llm-jp-eval jaster/jsquad.py: one sample per question, "文章：{context}\n質問：{question}" → answers[0].text;
/// output_length 25, char_f1.</summary>
public sealed class JSquadTests : IDisposable
{
    readonly RawDir _raw = new();
    public void Dispose() => _raw.Dispose();

    static string Doc(string context, params (string Question, string Answer)[] qas) =>
        $$"""{"version": "v1.1", "data": [{"title": "題", "paragraphs": [{"context": "{{context}}", "qas": [{{string.Join(", ", qas.Select((q, i) =>
            $$"""{"question": "{{q.Question}}", "id": "a{{i}}", "answers": [{"text": "{{q.Answer}}", "answer_start": 0}, {"text": "別解", "answer_start": 1}], "is_impossible": false}"""))}}]}]}]}""";

    [Fact]
    public void EveryQuestionOfEveryParagraphWithItsFirstAnswer()
    {
        _raw.Write("train-v1.1.json", Doc("富士山 [SEP] 富士山は日本一高い山である。", ("日本一高い山は？", "富士山"), ("富士山は何？", "山")));
        _raw.Write("valid-v1.1.json", Doc("琵琶湖 [SEP] 琵琶湖は滋賀県にある。", ("琵琶湖がある県は？", "滋賀県")));
        var splits = _raw.Prepare(new JSquad());
        // shuffle(range(2)) with seed 42 == [1, 0]; int(2 * 0.9) == 1.
        Assert.Equal([S("文章：富士山 [SEP] 富士山は日本一高い山である。\n質問：富士山は何？", "山")], splits.Train);
        Assert.Equal("富士山", Assert.Single(splits.Dev).Output);
        Assert.Equal([S("文章：琵琶湖 [SEP] 琵琶湖は滋賀県にある。\n質問：琵琶湖がある県は？", "滋賀県")], splits.Test);
        Assert.Equal((25, "char_f1"), (splits.Info.OutputLength, splits.Info.Metrics.Single()));
    }

    [Fact]
    public void AMissingFieldNamesItsJsonPath()
    {
        var train = _raw.Write("train-v1.1.json", """{"data": [{"paragraphs": [{"context": "c", "qas": [{"question": "q", "answers": [{"answer_start": 0}]}]}]}]}""");
        _raw.Write("valid-v1.1.json", Doc("c", ("q", "a")));
        var e = Assert.Throws<InvalidDataException>(() => new JSquad().Prepare(_raw.Path));
        Assert.StartsWith($"jsquad: {train} at data[0].paragraphs[0].qas[0].answers[0]: field 'text' missing.", e.Message);
    }
}
