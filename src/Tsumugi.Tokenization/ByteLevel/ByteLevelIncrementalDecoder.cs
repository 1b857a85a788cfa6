using System.Runtime.InteropServices;

namespace Tsumugi.Tokenization.ByteLevel;

/// <summary>
/// Streams byte-level ids to text: bytes are decoded up to the start of a trailing sequence that could still become a
/// valid character, which is held back. UTF-8 replacement works per maximal ill-formed subpart, and such a start
/// byte ends any subpart before it, so the deltas concatenate to exactly the whole-sequence decode.
/// </summary>
sealed class ByteLevelIncrementalDecoder(ByteLevelBpeTokenizer tokenizer) : IIncrementalDecoder
{
    readonly List<byte> _pending = [];

    public string Add(int id)
    {
        var verbatim = tokenizer.AppendDecoded(id, _pending, out bool skip);
        if (skip) return "";
        if (verbatim != null) return Flush() + verbatim;
        int keep = IncompleteTail(CollectionsMarshal.AsSpan(_pending));
        if (keep == _pending.Count) return "";
        var text = System.Text.Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(_pending)[..^keep]);
        _pending.RemoveRange(0, _pending.Count - keep);
        return text;
    }

    public string Finish() => Flush();

    string Flush()
    {
        var text = System.Text.Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(_pending));
        _pending.Clear();
        return text;
    }

    /// <summary>Length of the trailing bytes that are a proper prefix of a well-formed UTF-8 sequence (0 if none).</summary>
    internal static int IncompleteTail(ReadOnlySpan<byte> b)
    {
        for (int back = 1; back <= Math.Min(3, b.Length); back++)
        {
            byte lead = b[^back];
            if (lead is >= 0x80 and < 0xC0) continue;
            int need = lead switch { >= 0xC2 and <= 0xDF => 2, >= 0xE0 and <= 0xEF => 3, >= 0xF0 and <= 0xF4 => 4, _ => 0 };
            if (need <= back) return 0;
            if (back >= 2)
            {
                // The second byte's range depends on the lead (no overlongs, surrogates or code points past U+10FFFF).
                byte second = b[^(back - 1)];
                byte lo = lead switch { 0xE0 => 0xA0, 0xF0 => 0x90, _ => 0x80 };
                byte hi = lead switch { 0xED => 0x9F, 0xF4 => 0x8F, _ => 0xBF };
                if (second < lo || second > hi) return 0;
            }
            return back;
        }
        return 0;
    }
}
