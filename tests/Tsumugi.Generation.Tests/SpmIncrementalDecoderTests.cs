using CsCheck;
using Tsumugi.Generation;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Generation.Tests;

public sealed class SpmIncrementalDecoderTests
{
    static List<string> Deltas(SpmTokenizer t, IEnumerable<int> ids)
    {
        var d = new SpmIncrementalDecoder(t);
        var deltas = ids.Select(d.Add).ToList();
        deltas.Add(d.Finish());
        return deltas;
    }

    [Fact]
    public void ByteFallbackPiecesOneByOneNeverSplitACharacter()
    {
        var t = TestTokenizers.ByteFallback();
        var ids = t.Encode("あい"); // "▁" (dummy prefix), then six <0xNN> byte pieces: neither character has a piece
        Assert.Equal(7, ids.Length);
        Assert.Equal(["▁", "<0xE3>", "<0x81>", "<0x82>"], ids[..4].Select(t.IdToPiece));
        ids = ids[1..];
        var deltas = Deltas(t, ids);
        Assert.Equal(["", "", "あ", "", "", "い", ""], deltas);
        Assert.Equal("あい", string.Concat(deltas));
    }

    [Fact]
    public void LeadingSpaceIsDroppedOnceAndSpacesComeFromTheMetaSymbol()
    {
        var t = TestTokenizers.ByteFallback();
        int[] ids = [t.BosId, TestTokenizers.Id(t, "▁ab"), TestTokenizers.Id(t, "▁a"), TestTokenizers.Id(t, "東京")];
        Assert.Equal(["", "ab", " a", "東京", ""], Deltas(t, ids));
        Assert.Equal(t.Decode(ids), string.Concat(Deltas(t, ids)));
    }

    [Fact]
    public void InvalidAndUnfinishedBytesBecomeReplacementCharactersLikeDecode()
    {
        var t = TestTokenizers.ByteFallback();
        int B(int b) => TestTokenizers.Id(t, $"<0x{b:X2}>");
        int[] ids = [B(0xE3), B(0x81), TestTokenizers.Id(t, "a"), B(0xFF), B(0xE3)];
        var deltas = Deltas(t, ids);
        Assert.Equal(t.Decode(ids), string.Concat(deltas));
        Assert.Equal("\uFFFD\uFFFDa\uFFFD\uFFFD", string.Concat(deltas));
        Assert.Equal("\uFFFD", deltas[3]); // 0xFF can never start a character: replaced at once, not held
    }

    [Fact]
    public void ConcatenatedDeltasEqualDecodeForAnyIds()
    {
        foreach (var suffix in new[] { false, true })
        {
            var t = TestTokenizers.ByteFallback(suffix);
            // Bias towards byte pieces of multi-byte characters so runs of valid, unfinished and broken UTF-8 all occur.
            var id = Gen.OneOf(Gen.Int[0, t.VocabSize - 1], Gen.Int[3 + 0xE0, 3 + 0xF4], Gen.Int[3 + 0x80, 3 + 0xBF], Gen.Int[t.VocabSize - TestTokenizers.Words.Length, t.VocabSize - 1]);
            id.Array[0, 40].Sample(ids =>
            {
                var deltas = Deltas(t, ids);
                Assert.Equal(t.Decode(ids), string.Concat(deltas));
                foreach (var d in deltas) Assert.False(d.Length > 0 && char.IsHighSurrogate(d[^1]), "a delta ends inside a surrogate pair");
            }, iter: 3000);
        }
    }

    [Fact]
    public void RealTextRoundTripsThroughTheStream()
    {
        var t = TestTokenizers.ByteFallback();
        foreach (var text in new[] { "東京は日本の首都です。", "ab ab the 🎌 絵文字", " a  b ", "\n改行\nab" })
        {
            var ids = t.Encode(text);
            Assert.Equal(t.Decode(ids), string.Concat(Deltas(t, ids)));
        }
    }
}
