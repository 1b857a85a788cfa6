using Tsumugi.Synthesis.Recipes;
using static Tsumugi.Synthesis.Tests.Runs.SynthSetup;

namespace Tsumugi.Synthesis.Tests.Runs;

public sealed class QualityGateTests
{
    static Gates.QualityGates Gates(string yaml)
    {
        using var dir = new TempDirectory();
        WriteInputs(dir, Questions(2));
        return Load(WriteConfig(dir, "http://127.0.0.1:9/v1", "recipe: regenerate\ninput: { paths: [seeds.jsonl] }\n" + yaml)).Gates;
    }

    [Fact]
    public void TruncatedAnswersAreRejectedUnlessAllowed()
    {
        GatedText cut = new("answer", "途中で切れた回答", Truncated: true);
        Assert.StartsWith("truncated: answer:", Gates("").Check([cut], "k"), StringComparison.Ordinal);
        Assert.Null(Gates("allow_truncated: true").Check([cut], "k"));
        Assert.StartsWith("empty: answer", Gates("").Check([new GatedText("answer", "", false)], "k"), StringComparison.Ordinal);
    }

    [Fact]
    public void CorpusFiltersApplyToEveryGeneratedTextAndNameIt()
    {
        var gates = Gates("gates: [ { japanese_ratio: {} }, { length: { min_chars: 5, max_chars: 100 } }, refusal ]");
        Assert.Null(gates.Check([new("instruction", "日本の首都はどこですか。", false), new("answer", "東京です。日本の首都は東京と呼ばれています。", false)], "k"));
        Assert.StartsWith("japanese_ratio: answer:", gates.Check([new("instruction", "日本の首都はどこですか。", false), new("answer", "The capital of Japan is Tokyo.", false)], "k"), StringComparison.Ordinal);
        Assert.StartsWith("length: instruction:", gates.Check([new("instruction", "短い", false)], "k"), StringComparison.Ordinal);
        Assert.StartsWith("refusal: answer:", gates.Check([new("answer", "申し訳ありませんが、その質問にはお答えできません。", false)], "k"), StringComparison.Ordinal);
        Assert.Equal(["japanese_ratio", "length", "refusal"], gates.Names);
    }

    [Fact]
    public void DefaultGatesCatchRefusalsAndNearDuplicates()
    {
        var gates = Gates("");
        Assert.Equal(["length", "refusal", "minhash"], gates.Names);
        Assert.NotNull(gates.Duplicates);
        Assert.False(gates.Duplicates!.AgainstSeeds); // regenerate answers the seeds themselves
        Assert.Null(gates.Duplicates.FindOrAdd("パッケージの更新方法を詳しく教えてください。", "a"));
        Assert.Equal("a", gates.Duplicates.FindOrAdd("パッケージの更新方法を詳しく教えてください。", "b"));
    }
}
