using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Testing;

/// <summary>
/// Small hand-written byte-fallback SentencePiece models (Unigram, identity normaliser): a few normal pieces, so most
/// text falls back to bytes. Built directly, which is much faster than training a tokenizer.
/// </summary>
public static class TestTokenizers
{
    /// <summary>The default normal pieces (after the three control pieces and the 256 byte pieces).</summary>
    public static readonly string[] Words = ["▁", "a", "b", "ab", "▁ab", "▁a", "東京", "は", "。", "▁the", "\n"];

    public static SpmTokenizer ByteFallback(bool whitespaceAsSuffix = false) => ByteFallback(Words, whitespaceAsSuffix);

    /// <summary>
    /// <c>&lt;unk&gt; &lt;s&gt; &lt;/s&gt;</c>, the 256 byte pieces, then <paramref name="words"/> with falling scores. With
    /// <paramref name="whitespaceAsSuffix"/> a leading ▁ moves to the end of each word.
    /// </summary>
    public static SpmTokenizer ByteFallback(IEnumerable<string> words, bool whitespaceAsSuffix = false)
    {
        var pieces = new List<SpmPiece> { new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control) };
        for (int b = 0; b < 256; b++) pieces.Add(new SpmPiece($"<0x{b:X2}>", 0, PieceType.Byte));
        if (whitespaceAsSuffix) words = words.Select(w => w.StartsWith('▁') ? w[1..] + "▁" : w).Distinct();
        pieces.AddRange(words.Select((w, i) => new SpmPiece(w, -1 - i)));
        return new SpmTokenizer(new SpmModel
        {
            Pieces = pieces,
            TrainerSpec = new SpmTrainerSpec { ModelType = SpmModelType.Unigram, VocabSize = pieces.Count, ByteFallback = true, TreatWhitespaceAsSuffix = whitespaceAsSuffix },
            NormalizerSpec = new SpmNormalizerSpec { Name = "identity" },
        });
    }

    public static int Id(SpmTokenizer t, string piece) => t.PieceToId(piece);
}
