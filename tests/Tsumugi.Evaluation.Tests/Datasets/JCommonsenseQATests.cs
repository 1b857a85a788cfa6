using Tsumugi.Evaluation.Datasets;
using static Tsumugi.Evaluation.Tests.Datasets.RawDir;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>llm-jp-eval jaster/jcommonsenseqa.py: __init__ sets instruction / output_length 1 / exact_match;
/// preprocess_evaluation_data builds "質問：…\n選択肢：0.…,1.…" inputs, str(label) outputs, seed-42 90/10 train/dev.</summary>
public sealed class JCommonsenseQATests : IDisposable
{
    readonly RawDir _raw = new();
    public void Dispose() => _raw.Dispose();

    static string Line(int id, string question, string[] choices, int label) =>
        $$"""{"q_id": {{id}}, "question": "{{question}}", {{string.Join(", ", choices.Select((c, i) => $"\"choice{i}\": \"{c}\""))}}, "label": {{label}}}""";

    [Fact]
    public void TrainIsShuffledWithSeed42AndTestKeepsFileOrder()
    {
        _raw.Write("train-v1.1.json", string.Join("\n",
            Line(0, "朝に飲むものは？", ["牛乳", "石", "砂", "靴", "机"], 0),
            Line(1, "雨の日に差すものは？", ["帽子", "傘", "鞄", "本", "箸"], 1),
            Line(2, "魚が住む場所は？", ["山", "空", "川", "道", "家"], 2),
            Line(3, "夜に光るものは？", ["石", "土", "木", "月", "紙"], 3)) + "\n");
        _raw.Write("valid-v1.1.json", Line(10, "手紙を入れるものは？", ["封筒", "鍋", "靴下", "皿", "窓"], 0) + "\n"
            + Line(11, "冬に着るものは？", ["水着", "浴衣", "半袖", "短パン", "コート"], 4) + "\n");
        var splits = _raw.Prepare(new JCommonsenseQA());

        // random.seed(42); random.shuffle(list(range(4))) == [2, 1, 3, 0]; int(4 * 0.9) == 3 go to train.
        Assert.Equal(["2", "1", "3"], splits.Train.Select(s => s.Output));
        Assert.Equal([S("質問：朝に飲むものは？\n選択肢：0.牛乳,1.石,2.砂,3.靴,4.机", "0")], splits.Dev);
        Assert.Equal("""
            {
                "instruction": "質問と回答の選択肢を入力として受け取り、選択肢から回答を選択してください。なお、回答は選択肢の番号（例：0）でするものとします。 回答となる数値をint型で返し、他には何も含めないことを厳守してください。",
                "output_length": 1,
                "metrics": [
                    "exact_match"
                ],
                "few_shots": [],
                "samples": [
                    {
                        "input": "質問：手紙を入れるものは？\n選択肢：0.封筒,1.鍋,2.靴下,3.皿,4.窓",
                        "output": "0"
                    },
                    {
                        "input": "質問：冬に着るものは？\n選択肢：0.水着,1.浴衣,2.半袖,3.短パン,4.コート",
                        "output": "4"
                    }
                ]
            }
            """, File.ReadAllText(Path.Combine(_raw.Path, "evaluation", "test", "jcommonsenseqa.json")));
    }

    [Fact]
    public void LlmJpEvalRawFileNamesAreAcceptedToo()
    {
        _raw.Write("jcommonsenseqa_train.json", Line(0, "問1", ["a", "b", "c", "d", "e"], 1) + "\n" + Line(1, "問2", ["a", "b", "c", "d", "e"], 2) + "\n");
        _raw.Write("jcommonsenseqa_test.json", Line(2, "問3", ["a", "b", "c", "d", "e"], 3) + "\n");
        var splits = _raw.Prepare(new JCommonsenseQA());
        Assert.Equal([S("質問：問2\n選択肢：0.a,1.b,2.c,3.d,4.e", "2")], splits.Train);
        Assert.Equal("3", Assert.Single(splits.Test).Output);
    }

    [Fact]
    public void AJnliFileIsRejectedNamingDatasetFileLineAndField()
    {
        var train = _raw.Write("train-v1.1.json", Line(0, "問", ["a", "b", "c", "d", "e"], 0) + "\n"
            + """{"sentence_pair_id": "1", "sentence1": "犬が走る。", "sentence2": "動物が走る。", "label": "entailment"}""" + "\n");
        _raw.Write("valid-v1.1.json", Line(2, "問", ["a", "b", "c", "d", "e"], 0) + "\n");
        var e = Assert.Throws<InvalidDataException>(() => new JCommonsenseQA().Prepare(_raw.Path));
        Assert.StartsWith($"jcommonsenseqa: {train} line 2: field 'choice0' missing. Expected JGLUE JCommonsenseQA", e.Message);
    }

    [Fact]
    public void AMissingFileNamesWhatToDownload()
    {
        _raw.Write("train-v1.1.json", Line(0, "問", ["a", "b", "c", "d", "e"], 0) + "\n");
        var e = Assert.Throws<FileNotFoundException>(() => new JCommonsenseQA().Prepare(_raw.Path));
        Assert.Contains("valid-v1.1.json not found", e.Message);
        Assert.Contains("github.com/yahoojapan/JGLUE", e.Message);
    }

    [Fact]
    public void AFileForATwoFileDatasetAsksForTheFolder()
    {
        var train = _raw.Write("train-v1.1.json", Line(0, "問", ["a", "b", "c", "d", "e"], 0) + "\n");
        var e = Assert.Throws<FileNotFoundException>(() => new JCommonsenseQA().Prepare(train));
        Assert.StartsWith($"jcommonsenseqa: --raw {train} is a file, but jcommonsenseqa reads several files; pass the folder holding JGLUE's", e.Message);
    }
}
