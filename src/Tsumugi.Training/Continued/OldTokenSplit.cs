using Tsumugi.Tokenization;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Training.Continued;

/// <summary>
/// The old-tokenizer ids whose embedding rows a new piece's row is averaged from (Swallow's initialisation).
/// </summary>
internal static class OldTokenSplit
{
    /// <summary>For each new id, the old ids its row is averaged from, by the tokenizers' kind.</summary>
    public static Func<int, int[]> For(ITokenizer oldTokenizer, ITokenizer newTokenizer) => (oldTokenizer, newTokenizer) switch
    {
        (SpmTokenizer oldSpm, SpmTokenizer newSpm) => id => Of(newSpm.Model.Pieces[id], oldSpm),
        (ByteLevelBpeTokenizer oldBpe, ByteLevelBpeTokenizer newBpe) => id => OfByteLevel(id, oldBpe, newBpe),
        _ => throw new ArgumentException(
            $"extending a {oldTokenizer.Kind} tokenizer's model to a {newTokenizer.Kind} tokenizer is not supported; extend the model's own tokenizer with `tsumugi tokenizer extend`."),
    };

    /// <summary>
    /// The ids the old tokenizer segments the new piece's text into, or an empty array when it has no text the old
    /// tokenizer can speak for (the caller then falls back to the mean of all old rows).
    /// </summary>
    /// <remarks>
    /// Pieces are stored normalized ("▁" for a space, dummy prefix included), so the piece string is segmented as-is
    /// with <see cref="SpmTokenizer.EncodeNormalized"/>: "▁東京" → the old pieces of " 東京" after a space, "東京" →
    /// those of "東京" inside a word. Encoding "東京" as raw text instead would add the dummy prefix and average the
    /// wrong rows. This is the same split `tsumugi tokenizer extend` writes to id-map.json.
    /// </remarks>
    static int[] Of(SpmPiece piece, SpmTokenizer oldTokenizer) => piece.Type switch
    {
        PieceType.Normal or PieceType.UserDefined => Usable(oldTokenizer.EncodeNormalized(piece.Piece), oldTokenizer),
        PieceType.Byte => OfByte(piece.Piece, oldTokenizer),
        // CONTROL (<s>, <|im_start|> as a special token), UNKNOWN and UNUSED pieces are never produced from text:
        // their literal spelling says nothing about their meaning, so averaging "<", "|", "im"… would be noise.
        _ => [],
    };

    /// <summary>
    /// A new byte-level token stands for its bytes ("Ġæĸ°" = " 新"); the old merges applied to exactly those bytes give
    /// the old tokens (the same split `tsumugi tokenizer extend` writes to id-map.json). A special added token has no
    /// text the old tokens could speak for.
    /// </summary>
    static int[] OfByteLevel(int id, ByteLevelBpeTokenizer oldTokenizer, ByteLevelBpeTokenizer newTokenizer)
    {
        if (newTokenizer.SpecialTokens.Any(t => t.Id == id)) return [];
        var bytes = new List<byte>();
        ByteLevelAlphabet.AppendBytes(newTokenizer.IdToPiece(id), bytes);
        return Usable(oldTokenizer.MergeBytes([.. bytes]), oldTokenizer);
    }

    /// <summary>Drops ids that carry no meaning of the text: the unknown token and the special ones.</summary>
    public static int[] Usable(IReadOnlyList<int> ids, ITokenizer oldTokenizer) =>
        ids.Where(id => id >= 0 && id < oldTokenizer.VocabSize && id != oldTokenizer.UnkId && oldTokenizer.SpecialTokens.All(t => t.Id != id)).ToArray();

    /// <summary>
    /// A new byte piece (the old tokenizer had no byte fallback): an ASCII byte is the character itself; a byte of a
    /// multi-byte UTF-8 sequence has no text of its own and falls back.
    /// </summary>
    static int[] OfByte(string piece, SpmTokenizer oldTokenizer)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>'
            || !byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte value)
            || value >= 0x80)
            return [];
        // In normalized text a space is "▁" (byte fallback never sees 0x20 when whitespace is escaped).
        string text = value == 0x20 ? "\u2581" : ((char)value).ToString();
        return Usable(oldTokenizer.EncodeNormalized(text), oldTokenizer);
    }
}
