using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Tsumugi.Corpus.Normalization;

/// <summary>
/// NFKC without ICU for the text web corpora are made of. For every character of a set of scripts where NFKC is
/// context-free (Latin to U+02FF, punctuation and symbols U+2000–2BFF, CJK symbols, kana, CJK ideographs, full-width
/// ASCII) the table holds ICU's own NFKC of that single character — built at start-up from
/// <see cref="string.Normalize(NormalizationForm)"/>, so it cannot drift from the platform's Unicode version. A character
/// is admitted only when neither it nor its mapping contains a combining mark or anything outside those scripts
/// (no composition or reordering can then cross character boundaries). A text with any other character (combining
/// marks, half-width katakana, Hangul, Greek …) goes to ICU whole. Already-normal text is returned as is, with no
/// allocation.
/// </summary>
public static class FastNfkc
{
    const byte Unsafe = 0, Same = 1, Single = 2, Multi = 3;

    static readonly byte[] Kind = new byte[65536];
    static readonly char[] SingleMap = new char[65536];
    static readonly Dictionary<char, string> MultiMap = [];

    static bool InSafeScript(char c) => c switch
    {
        <= '\u02FF' => true,
        >= '\u2000' and <= '\u2BFF' => true,
        >= '\u3000' and <= '\u30FF' => true,
        >= '\u31F0' and <= '\u31FF' => true,
        >= '\u3200' and <= '\u33FF' => true,
        >= '\u3400' and <= '\u4DBF' => true,
        >= '\u4E00' and <= '\u9FFF' => true,
        >= '\uF900' and <= '\uFAFF' => true,
        >= '\uFF01' and <= '\uFF60' => true,
        >= '\uFFE0' and <= '\uFFEE' => true,
        _ => false,
    };

    static bool Plain(char c) =>
        InSafeScript(c) && !char.IsSurrogate(c) && CharUnicodeInfo.GetUnicodeCategory(c) is not
            (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.OtherNotAssigned);

    // Ranges checked 16 characters at a time before the table: printable ASCII and LF, hiragana, katakana, the CJK
    // ideographs, 、。「」 — nearly all of a Japanese web page. Used only if every character in them maps to itself.
    static readonly (char From, char To)[] VectorRanges =
        [(' ', '~'), ('\n', '\n'), ('\u3041', '\u3096'), ('\u30A1', '\u30FA'), ('\u4E00', '\u9FFF'), ('\u3001', '\u3002'), ('\u300C', '\u300D')];
    static readonly bool VectorOk;

    static FastNfkc()
    {
        for (int i = 0; i < 65536; i++)
        {
            char c = (char)i;
            if (!Plain(c)) continue;
            string n;
            try { n = c.ToString().Normalize(NormalizationForm.FormKC); }
            catch (ArgumentException) { continue; }
            if (n.Length == 0 || !n.All(Plain)) continue;
            if (n.Length == 1 && n[0] == c) Kind[i] = Same;
            else if (n.Length == 1) { Kind[i] = Single; SingleMap[i] = n[0]; }
            else { Kind[i] = Multi; MultiMap[c] = n; }
        }
        VectorOk = Vector256.IsHardwareAccelerated && VectorRanges.All(r => Enumerable.Range(r.From, r.To - r.From + 1).All(c => Kind[c] == Same));
    }

    /// <summary>Index of the first character outside <see cref="VectorRanges"/> (a multiple of 16 at most; the rest is for the table).</summary>
    static int SkipCommon(ReadOnlySpan<char> text)
    {
        if (!VectorOk) return 0;
        var u = MemoryMarshal.Cast<char, ushort>(text);
        var space = Vector256.Create((ushort)' '); var asciiSpan = Vector256.Create((ushort)('~' - ' '));
        var lf = Vector256.Create((ushort)'\n');
        var hira = Vector256.Create((ushort)0x3041); var hiraSpan = Vector256.Create((ushort)(0x3096 - 0x3041));
        var kata = Vector256.Create((ushort)0x30A1); var kataSpan = Vector256.Create((ushort)(0x30FA - 0x30A1));
        var cjk = Vector256.Create((ushort)0x4E00); var cjkSpan = Vector256.Create((ushort)(0x9FFF - 0x4E00));
        var punct = Vector256.Create((ushort)0x3001); var punctSpan = Vector256.Create((ushort)1);
        var quote = Vector256.Create((ushort)0x300C);
        int i = 0;
        for (; i + 16 <= u.Length; i += 16)
        {
            var v = Vector256.Create(u.Slice(i, 16));
            var ok = Vector256.LessThanOrEqual(v - space, asciiSpan) | Vector256.Equals(v, lf)
                | Vector256.LessThanOrEqual(v - hira, hiraSpan) | Vector256.LessThanOrEqual(v - kata, kataSpan)
                | Vector256.LessThanOrEqual(v - cjk, cjkSpan) | Vector256.LessThanOrEqual(v - punct, punctSpan)
                | Vector256.LessThanOrEqual(v - quote, punctSpan);
            if (ok != Vector256<ushort>.AllBitsSet) break;
        }
        return i;
    }

    /// <summary>Whether <paramref name="c"/> is handled by the table (else a text holding it goes to ICU).</summary>
    public static bool IsTableChar(char c) => Kind[c] != Unsafe;

    /// <summary>NFKC of <paramref name="text"/>; the same instance when it is already normal.</summary>
    public static string Normalize(string text)
    {
        var kind = Kind;
        int i = 0;
        while (true)
        {
            // Vector ranges 16 at a time, then the table for a stretch (a full-width comma, say) before retrying them.
            i += SkipCommon(text.AsSpan(i));
            int stop = Math.Min(text.Length, i + 32);
            while (i < stop && kind[text[i]] == Same) i++;
            if (i == text.Length) return text;
            if (i < stop) break;  // text[i] is the first character that changes (or needs ICU)
        }
        // One pass: runs of unchanged characters are copied as spans; a character outside the table sends the whole
        // text to ICU (it may compose or reorder with its neighbours).
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text.AsSpan(0, i));
        int run = i;  // start of the pending run of unchanged characters
        while (i < text.Length)
        {
            int skip = SkipCommon(text.AsSpan(i));
            i += skip;
            int stop = Math.Min(text.Length, i + 32);
            for (; i < stop; i++)
            {
                char c = text[i];
                byte k = kind[c];
                if (k == Same) continue;
                if (k == Unsafe) return text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
                sb.Append(text.AsSpan(run, i - run));
                if (k == Single) sb.Append(SingleMap[c]);
                else sb.Append(MultiMap[c]);
                run = i + 1;
            }
        }
        sb.Append(text.AsSpan(run));
        return sb.ToString();
    }
}
