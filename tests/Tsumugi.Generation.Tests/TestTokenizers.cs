using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Generation.Tests;

/// <summary>Small hand-written byte-fallback SentencePiece models: few normal pieces, so most text falls back to bytes.</summary>
public static class TestTokenizers
{
    public static readonly string[] Words = ["▁", "a", "b", "ab", "▁ab", "▁a", "東京", "は", "。", "▁the", "\n"];

    public static SpmTokenizer ByteFallback(bool whitespaceAsSuffix = false)
    {
        var pieces = new List<SpmPiece> { new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control) };
        for (int b = 0; b < 256; b++) pieces.Add(new SpmPiece($"<0x{b:X2}>", 0, PieceType.Byte));
        var words = whitespaceAsSuffix ? Words.Select(w => w.StartsWith('▁') ? w[1..] + "▁" : w).Distinct() : Words;
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
