using System.Text.Json;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

/// <summary>Models trained by Tsumugi with spm_train's default normalization (nmt_nfkc), checked against spm_encode.</summary>
public sealed class NormalizedTrainingTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    const string FullWidth = "１２３円です。質問：日本の首都は？";
    const string HalfWidth = "123円です。質問:日本の首都は?";

    static SpmModel TrainJa(TrainerOptions o) => UnigramTrainer.Train(TestCorpus.Lines("ja", 120_000), o);

    [Fact]
    public void Train_DefaultNormalization_EncodesFullWidthAndAsciiIdentically()
    {
        var model = TrainJa(new TrainerOptions { VocabSize = 2000, Threads = 2 });
        Assert.Equal("nmt_nfkc", model.NormalizerSpec.Name);
        Assert.NotEmpty(model.NormalizerSpec.PrecompiledCharsmap);
        Assert.False(model.NormalizerSpec.RemoveExtraWhitespaces); // Llama-style whitespace kept (code indentation)
        var tok = new SpmTokenizer(model);
        Assert.Equal(tok.Encode(HalfWidth), tok.Encode(FullWidth));
        Assert.DoesNotContain(tok.Encode("１２３"), id => model.Pieces[id].Type == PieceType.Byte);
    }

    [Fact]
    public void Train_IdentityNormalization_KeepsFullWidthDigitsApart()
    {
        var model = TrainJa(new TrainerOptions { VocabSize = 2000, Threads = 2, Normalization = "identity" });
        Assert.Empty(model.NormalizerSpec.PrecompiledCharsmap);
        var tok = new SpmTokenizer(model);
        Assert.NotEqual(tok.Encode(HalfWidth), tok.Encode(FullWidth));
    }

    [Theory]
    [InlineData(SpmModelType.Unigram)]
    [InlineData(SpmModelType.Bpe)]
    public void Train_NmtNfkc_SpmEncodeGivesOurIdsOnHeldOutText(SpmModelType type)
    {
        var o = new TrainerOptions { VocabSize = 2000, Threads = 2, UserDefinedSymbols = ["<|im_start|>", "<|im_end|>"] };
        var model = type == SpmModelType.Bpe ? BpeTrainer.Train(fx.Train, o) : UnigramTrainer.Train(fx.Train, o);
        var path = Path.Combine(fx.Dir, $"ours-nmt-{type}.model");
        model.Save(path);
        var lines = fx.HeldOut.Append(FullWidth).Append("ｶﾞｷﾞ ㈱ ﬁ Ⅻ ～ ~\u200b").ToList();
        var expected = SpmTools.EncodeIds(path, lines);
        var actual = new SpmTokenizer(model).EncodeBatch(lines);
        int mismatches = 0; string? first = null;
        for (int i = 0; i < lines.Count; i++)
        {
            if (expected[i].SequenceEqual(actual[i])) continue;
            mismatches++;
            first ??= $"'{lines[i]}': spm [{string.Join(' ', expected[i])}] vs ours [{string.Join(' ', actual[i])}]";
        }
        Assert.True(mismatches == 0, $"{mismatches}/{lines.Count} lines differ; first: {first}");
        Assert.Equal(expected[^2], SpmTools.EncodeIds(path, [HalfWidth])[0]);
    }

    [Fact]
    public void Save_NmtNfkcModel_TokenizerJsonCarriesPrecompiledNormalizer()
    {
        var model = TrainJa(new TrainerOptions { VocabSize = 2000, Threads = 2 });
        var dir = Path.Combine(fx.Dir, "hf-nmt");
        TokenizerDirectory.Save(model, dir);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer.json")));
        var first = json.RootElement.GetProperty("normalizer").GetProperty("normalizers")[0];
        Assert.Equal("Precompiled", first.GetProperty("type").GetString());
        Assert.Equal(model.NormalizerSpec.PrecompiledCharsmap, Convert.FromBase64String(first.GetProperty("precompiled_charsmap").GetString()!));
        var fromJson = new SpmTokenizer(HfTokenizerJsonReader.Read(Path.Combine(dir, "tokenizer.json")));
        Assert.Equal(new SpmTokenizer(model).Encode(FullWidth), fromJson.Encode(FullWidth));
    }
}
