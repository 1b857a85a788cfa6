using Tsumugi.Evaluation.Datasets;
using static Tsumugi.Evaluation.Tests.Datasets.RawDir;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>llm-jp-eval jaster/jnli.py: "前提：{sentence1}\n仮説：{sentence2}" → label; output_length 3, exact_match.</summary>
public sealed class JnliTests : IDisposable
{
    readonly RawDir _raw = new();
    public void Dispose() => _raw.Dispose();

    static string Line(string a, string b, string label) =>
        $$"""{"sentence_pair_id": "0", "yjcaptions_id": "1-2", "sentence1": "{{a}}", "sentence2": "{{b}}", "label": "{{label}}"}""";

    [Fact]
    public void PremiseHypothesisAndLabel()
    {
        _raw.Write("train-v1.1.json", Line("猫が寝ている。", "動物が寝ている。", "entailment") + "\n" + Line("空が青い。", "空が赤い。", "contradiction") + "\n"
            + Line("子供が走る。", "子供が笑う。", "neutral") + "\n");
        _raw.Write("valid-v1.1.json", Line("電車が駅に着く。", "電車が止まる。", "entailment") + "\n");
        var splits = _raw.Prepare(new Jnli());
        // shuffle(range(3)) with seed 42 == [1, 0, 2]; int(3 * 0.9) == 2.
        Assert.Equal([S("前提：空が青い。\n仮説：空が赤い。", "contradiction"), S("前提：猫が寝ている。\n仮説：動物が寝ている。", "entailment")], splits.Train);
        Assert.Equal("neutral", Assert.Single(splits.Dev).Output);
        Assert.Equal([S("前提：電車が駅に着く。\n仮説：電車が止まる。", "entailment")], splits.Test);
        Assert.Equal(3, splits.Info.OutputLength);
        Assert.Equal(["exact_match"], splits.Info.Metrics);
        Assert.StartsWith("前提と仮説の関係をentailment、contradiction、neutralの中から回答してください。", splits.Info.Instruction);
    }

    [Fact]
    public void ANonJsonLineNamesTheLine()
    {
        var train = _raw.Write("train-v1.1.json", Line("a", "b", "neutral") + "\n\tsentence1\tsentence2\n");
        _raw.Write("valid-v1.1.json", Line("a", "b", "neutral") + "\n");
        var e = Assert.Throws<InvalidDataException>(() => new Jnli().Prepare(_raw.Path));
        Assert.StartsWith($"jnli: {train} line 2: not a JSON object", e.Message);
    }
}
