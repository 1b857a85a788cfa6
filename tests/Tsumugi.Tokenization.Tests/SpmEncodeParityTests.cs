using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Tokenization.Tests;

/// <summary>Our encoder/decoder against Debian's spm_encode on models trained by spm_train.</summary>
public sealed class SpmEncodeParityTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    [Theory]
    [InlineData("unigram-bytes")]
    [InlineData("bpe-bytes")]
    [InlineData("unigram-nfkc")]
    [InlineData("bpe-nfkc")]
    public void SameIdsAsSpmEncodeOnHeldOutText(string name)
    {
        var model = fx.Model(name);
        var expected = SpmTools.EncodeIds(model, fx.HeldOut);
        var tok = SpmTokenizer.Load(model);
        var actual = tok.EncodeBatch(fx.HeldOut);
        int mismatches = 0; string? first = null;
        for (int i = 0; i < expected.Count; i++)
        {
            if (expected[i].SequenceEqual(actual[i])) continue;
            mismatches++;
            first ??= $"line {i} '{fx.HeldOut[i]}': spm [{string.Join(' ', expected[i])}] vs ours [{string.Join(' ', actual[i])}]";
        }
        Assert.True(mismatches == 0, $"{mismatches}/{expected.Count} lines differ; first: {first}");
        Assert.True(fx.HeldOut.Count > 500);
    }

    [Fact]
    public void ByteFallbackIsExercisedAndDecodesLosslessly()
    {
        var tok = SpmTokenizer.Load(fx.Model("unigram-bytes"));
        var ids = tok.Encode("emoji 😀 龘");
        Assert.Contains(ids, id => tok.Model.Pieces[id].Type == Spm.PieceType.Byte);
        int lossless = 0;
        foreach (var line in fx.HeldOut)
        {
            // identity + no whitespace collapsing: decode(encode(x)) == x except for a leading-space quirk spm shares.
            if (line.StartsWith(' ') || line.Contains('\u2581')) continue;
            Assert.Equal(line, tok.Decode(tok.Encode(line)));
            lossless++;
        }
        Assert.True(lossless > 500);
    }

    [Fact]
    public void DecodeMatchesSpmDecode()
    {
        var model = fx.Model("bpe-nfkc");
        var tok = SpmTokenizer.Load(model);
        var lines = fx.HeldOut.Take(300).ToList();
        var idLines = SpmTools.EncodeIds(model, lines);
        var input = string.Join("\n", idLines.Select(ids => string.Join(' ', ids))) + "\n";
        var expected = SpmTools.Run("spm_decode", $"--model={model} --input_format=id", input).Split('\n').SkipLast(1).ToList();
        for (int i = 0; i < lines.Count; i++) Assert.Equal(expected[i], tok.Decode(idLines[i]));
    }
}
