using System.Globalization;
using System.Text.RegularExpressions;

namespace Tsumugi.Tokenization.ByteLevel;

/// <summary>
/// Splits text into pre-tokens with the three regexes byte-level tokenizers use, matched by hand on code points.
/// .NET's Regex works on UTF-16 units, so \p{L} misses astral letters (𠮷, emoji are So anyway) and \p{N}{1,3}
/// would count a surrogate pair as two; the JavaScript library (the reference) matches with the u flag, on code
/// points. Hand matching is also several times faster than the regex. Any other Split pattern falls back to Regex.
/// </summary>
public abstract class PreTokenizerSplitter
{
    /// <summary>Appends (start, length) of each pre-token of text[start..end) to <paramref name="spans"/>.</summary>
    public abstract void Split(string text, int start, int end, List<(int Start, int Length)> spans);

    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The splitter for a Split pre-tokenizer's regex (Llama 3, Qwen2, or any other via .NET Regex).</summary>
    public static PreTokenizerSplitter ForSplitPattern(string pattern) => pattern switch
    {
        Llama3Pattern => new LlamaSplitter(3),
        Qwen2Pattern => new LlamaSplitter(1),
        _ => new RegexSplitter(pattern),
    };

    /// <summary>The ByteLevel pre-tokenizer's own regex (use_regex true).</summary>
    public static PreTokenizerSplitter Gpt2 { get; } = new Gpt2Splitter();

    internal static int CodePoint(string s, int i, int end, out int width)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < end && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }
        width = 1;
        return c;
    }

    static UnicodeCategory Category(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp);

    protected static bool IsLetter(int cp) => cp < 0x80 ? (uint)((cp | 0x20) - 'a') <= 'z' - 'a' : Category(cp) <= UnicodeCategory.OtherLetter;

    protected static bool IsNumber(int cp) => cp < 0x80 ? (uint)(cp - '0') <= 9
        : Category(cp) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>Unicode White_Space (Oniguruma's \s, which the library rewrites Split patterns to).</summary>
    internal static bool IsWhiteSpace(int cp) => cp is (>= 9 and <= 13) or ' ' or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
        or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    /// <summary>JavaScript's \s (the ByteLevel pre-tokenizer's literal /…/gu regex): adds U+FEFF, lacks U+0085.</summary>
    internal static bool IsJsWhiteSpace(int cp) => cp == 0xFEFF || (cp != 0x85 && IsWhiteSpace(cp));

    /// <summary>End of the run of code points satisfying <paramref name="pred"/> from i (at most max of them).</summary>
    protected static int Run(string s, int i, int end, Func<int, bool> pred, int max = int.MaxValue)
    {
        int n = 0;
        while (i < end && n < max)
        {
            int cp = CodePoint(s, i, end, out int w);
            if (!pred(cp)) break;
            i += w;
            n++;
        }
        return i;
    }

    /// <summary>The contractions 's 't 're 've 'm 'll 'd (ASCII case-insensitively when asked): their length, else 0.</summary>
    protected static int Contraction(string s, int i, int end, bool ignoreCase)
    {
        if (s[i] != '\'' || i + 1 >= end) return 0;
        char a = s[i + 1], b = i + 2 < end ? s[i + 2] : '\0';
        if (ignoreCase) { a = ToLowerAscii(a); b = ToLowerAscii(b); }
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        return 0;
    }

    // The library folds (?i:…) to ASCII letter pairs ([sS]), so no Unicode folding (ſ stays a letter).
    static char ToLowerAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;

    /// <summary>\s+(?!\S) then \s+ on a whitespace run [i, k): all of it at the end or when it is one character, else all but its last.</summary>
    protected static int WhitespaceRun(int i, int k, int end) => k == end || k - i == 1 ? k - i : k - i - 1;

    sealed class Gpt2Splitter : PreTokenizerSplitter
    {
        static bool IsOther(int cp) => !IsJsWhiteSpace(cp) && !IsLetter(cp) && !IsNumber(cp);

        public override void Split(string s, int start, int end, List<(int Start, int Length)> spans)
        {
            for (int i = start; i < end;)
            {
                int len = Match(s, i, end);
                spans.Add((i, len));
                i += len;
            }
        }

        static int Match(string s, int i, int end)
        {
            int c = Contraction(s, i, end, ignoreCase: false);
            if (c > 0) return c;
            int cp = CodePoint(s, i, end, out int w);
            int from = i;
            if (cp == ' ' && i + 1 < end) { cp = CodePoint(s, i + 1, end, out w); i++; }
            if (IsLetter(cp)) return Run(s, i, end, IsLetter) - from;
            if (IsNumber(cp)) return Run(s, i, end, IsNumber) - from;
            if (IsOther(cp)) return Run(s, i, end, IsOther) - from;
            // Whitespace (a space before whitespace matches none of the ' ?' alternatives).
            int k = Run(s, from, end, IsJsWhiteSpace);
            return WhitespaceRun(from, k, end);
        }
    }

    /// <summary>Llama 3's pattern (digits in groups of 3) and Qwen2's (single digits).</summary>
    sealed class LlamaSplitter(int maxDigits) : PreTokenizerSplitter
    {
        static bool IsOther(int cp) => !IsWhiteSpace(cp) && !IsLetter(cp) && !IsNumber(cp);
        static bool IsNewline(int cp) => cp is '\r' or '\n';

        public override void Split(string s, int start, int end, List<(int Start, int Length)> spans)
        {
            for (int i = start; i < end;)
            {
                int len = Match(s, i, end);
                spans.Add((i, len));
                i += len;
            }
        }

        int Match(string s, int i, int end)
        {
            int c = Contraction(s, i, end, ignoreCase: true);
            if (c > 0) return c;
            int cp = CodePoint(s, i, end, out int w);
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (IsLetter(cp)) return Run(s, i, end, IsLetter) - i;
            if (!IsNewline(cp) && !IsNumber(cp) && i + w < end && IsLetter(CodePoint(s, i + w, end, out _)))
                return Run(s, i + w, end, IsLetter) - i;
            // \p{N}{1,3}
            if (IsNumber(cp)) return Run(s, i, end, IsNumber, maxDigits) - i;
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            int j = cp == ' ' && i + 1 < end && IsOther(CodePoint(s, i + 1, end, out _)) ? i + 1 : i;
            if (IsOther(CodePoint(s, j, end, out _)))
                return Run(s, Run(s, j, end, IsOther), end, IsNewline) - i;
            // \s*[\r\n]+: the whitespace run up to its last newline; then \s+(?!\S), \s+.
            int k = Run(s, i, end, IsWhiteSpace);
            for (int p = k - 1; p >= i; p--)
                if (IsNewline(s[p])) return p + 1 - i;
            return WhitespaceRun(i, k, end);
        }
    }

    /// <summary>Any other Split pattern: .NET Regex, matches isolated and the text between them kept (behavior Isolated).</summary>
    sealed class RegexSplitter(string pattern) : PreTokenizerSplitter
    {
        readonly Regex _regex = new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

        public override void Split(string s, int start, int end, List<(int Start, int Length)> spans)
        {
            int last = start;
            foreach (var m in _regex.EnumerateMatches(s.AsSpan(start, end - start)))
            {
                if (m.Length == 0) continue;
                int ms = start + m.Index;
                if (ms > last) spans.Add((last, ms - last));
                spans.Add((ms, m.Length));
                last = ms + m.Length;
            }
            if (last < end) spans.Add((last, end - last));
        }
    }
}
