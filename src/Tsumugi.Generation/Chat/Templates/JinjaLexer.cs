using System.Globalization;
using System.Text;

namespace Tsumugi.Generation.Chat.Templates;

enum TokenKind { Text, ExprOpen, ExprClose, StmtOpen, StmtClose, Name, String, Integer, Float, Operator, End }

/// <summary>One lexed token; <see cref="At"/> is where it starts in the template source (1-based).</summary>
sealed record Token(TokenKind Kind, string Value, SourcePos At);

/// <summary>A line and column of the template source, both 1-based, for error messages.</summary>
readonly record struct SourcePos(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}

/// <summary>
/// Splits a template into text and tag tokens, applying the whitespace rules transformers compiles templates with
/// (reference chat-templates.md §1.2): one trailing newline of the source is dropped (keep_trailing_newline=False);
/// trim_blocks removes the first newline after <c>%}</c> or <c>#}</c> (not after <c>}}</c>); lstrip_blocks removes
/// spaces and tabs between the start of a line and <c>{%</c> or <c>{#</c>; a <c>-</c> inside a delimiter strips all
/// white space on that side, newlines included. Whitespace is handled here rather than by rewriting the source
/// first (as @huggingface/jinja does), so every token keeps its true line and column.
/// </summary>
static class JinjaLexer
{
    static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    public static List<Token> Lex(string source)
    {
        if (source.EndsWith("\r\n", StringComparison.Ordinal)) source = source[..^2];
        else if (source.EndsWith('\n')) source = source[..^1];
        var tokens = new List<Token>();
        var lines = new LineMap(source);
        int pos = 0;
        bool stripNext = false, trimNewline = false;
        while (pos < source.Length)
        {
            int open = NextTagStart(source, pos);
            int textStart = pos;
            var text = source[pos..open];
            if (stripNext) text = text.TrimStart();
            else if (trimNewline && text.StartsWith('\n')) { text = text[1..]; textStart++; }
            else if (trimNewline && text.StartsWith("\r\n", StringComparison.Ordinal)) { text = text[2..]; textStart += 2; }
            if (open < source.Length)
            {
                char kind = source[open + 1];
                char modifier = open + 2 < source.Length ? source[open + 2] : '\0';
                if (modifier == '-') text = text.TrimEnd();
                else if (kind != '{' && modifier != '+') text = LStripBlock(text, source, textStart);
            }
            if (text.Length > 0) tokens.Add(new Token(TokenKind.Text, text, lines.At(textStart)));
            if (open >= source.Length) break;
            (pos, stripNext, trimNewline) = LexTag(source, open, tokens, lines);
        }
        tokens.Add(new Token(TokenKind.End, "", lines.At(source.Length)));
        return tokens;
    }

    static int NextTagStart(string s, int from)
    {
        for (int i = from; i + 1 < s.Length; i++)
            if (s[i] == '{' && s[i + 1] is '{' or '%' or '#') return i;
        return s.Length;
    }

    /// <summary>lstrip_blocks: drop the spaces/tabs before a block tag when only they stand between it and the line start.</summary>
    static string LStripBlock(string text, string source, int textStart)
    {
        int lineStart = text.LastIndexOf('\n') + 1;
        bool atLineStart = lineStart > 0 || textStart == 0 || source[textStart - 1] == '\n';
        if (!atLineStart) return text;
        for (int i = lineStart; i < text.Length; i++)
            if (text[i] is not (' ' or '\t')) return text;
        return text[..lineStart];
    }

    /// <summary>Lexes one tag starting at <paramref name="open"/>; returns the position after it and how it ends.</summary>
    static (int Pos, bool StripNext, bool TrimNewline) LexTag(string s, int open, List<Token> tokens, LineMap lines)
    {
        char kind = s[open + 1];
        int pos = open + 2;
        if (pos < s.Length && s[pos] is '-' or '+') pos++;
        if (kind == '#')
        {
            int close = s.IndexOf("#}", pos, StringComparison.Ordinal);
            if (close < 0) throw new ChatTemplateException(lines.At(open), "the comment '{#' is never closed with '#}'");
            return (close + 2, s[close - 1] == '-' && close - 1 >= pos, s[close - 1] != '+');
        }
        bool isExpr = kind == '{';
        tokens.Add(new Token(isExpr ? TokenKind.ExprOpen : TokenKind.StmtOpen, isExpr ? "{{" : "{%", lines.At(open)));
        string closer = isExpr ? "}}" : "%}";
        int braces = 0;
        while (true)
        {
            while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
            if (pos >= s.Length) throw new ChatTemplateException(lines.At(open), $"the tag '{s.Substring(open, 2)}' is never closed with '{closer}'");
            bool strip = s[pos] is '-' or '+' && string.CompareOrdinal(s, pos + 1, closer, 0, 2) == 0;
            if (braces == 0 && (strip || string.CompareOrdinal(s, pos, closer, 0, 2) == 0))
            {
                tokens.Add(new Token(isExpr ? TokenKind.ExprClose : TokenKind.StmtClose, closer, lines.At(pos)));
                bool minus = strip && s[pos] == '-';
                bool plus = strip && s[pos] == '+';
                int end = pos + (strip ? 3 : 2);
                return (end, minus, !isExpr && !plus);
            }
            var at = lines.At(pos);
            char c = s[pos];
            if (c is '\'' or '"') { pos = LexString(s, pos, at, tokens); continue; }
            if (char.IsAsciiDigit(c)) { pos = LexNumber(s, pos, at, tokens); continue; }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                int start = pos;
                while (pos < s.Length && (char.IsAsciiLetterOrDigit(s[pos]) || s[pos] == '_')) pos++;
                tokens.Add(new Token(TokenKind.Name, s[start..pos], at));
                continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(s, pos, o, 0, o.Length) == 0)
                ?? throw new ChatTemplateException(at, $"unexpected character '{c}' in a tag");
            if (op == "{") braces++;
            else if (op == "}") braces--;
            tokens.Add(new Token(TokenKind.Operator, op, at));
            pos += op.Length;
        }
    }

    /// <summary>A quoted literal with Python's escapes (\n, \t, \', \\, \uXXXX, …); adjacent literals are joined by the parser.</summary>
    static int LexString(string s, int pos, SourcePos at, List<Token> tokens)
    {
        char quote = s[pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= s.Length) throw new ChatTemplateException(at, "a string literal is never closed");
            char c = s[pos++];
            if (c == quote) break;
            if (c != '\\' || pos >= s.Length) { sb.Append(c); continue; }
            char e = s[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '0': sb.Append('\0'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case '\\' or '\'' or '"': sb.Append(e); break;
                case '\n': break; // a backslash-newline continues the literal
                case 'x' or 'u' or 'U':
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (pos + digits > s.Length || !int.TryParse(s.AsSpan(pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                        throw new ChatTemplateException(at, $"a bad \\{e} escape in a string literal");
                    sb.Append(char.ConvertFromUtf32(code));
                    pos += digits;
                    break;
                default: sb.Append('\\').Append(e); break; // Python keeps unknown escapes as written
            }
        }
        tokens.Add(new Token(TokenKind.String, sb.ToString(), at));
        return pos;
    }

    static int LexNumber(string s, int pos, SourcePos at, List<Token> tokens)
    {
        int start = pos;
        while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '_')) pos++;
        bool isFloat = pos + 1 < s.Length && s[pos] == '.' && char.IsAsciiDigit(s[pos + 1]);
        if (isFloat)
        {
            pos++;
            while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '_')) pos++;
        }
        if (pos < s.Length && s[pos] is 'e' or 'E' && pos + 1 < s.Length && (char.IsAsciiDigit(s[pos + 1]) || s[pos + 1] is '+' or '-'))
        {
            isFloat = true;
            pos += 2;
            while (pos < s.Length && char.IsAsciiDigit(s[pos])) pos++;
        }
        tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, s[start..pos].Replace("_", "", StringComparison.Ordinal), at));
        return pos;
    }

    /// <summary>Turns offsets into line/column pairs.</summary>
    sealed class LineMap(string source)
    {
        readonly List<int> _starts = Starts(source);

        static List<int> Starts(string s)
        {
            var starts = new List<int> { 0 };
            for (int i = 0; i < s.Length; i++) if (s[i] == '\n') starts.Add(i + 1);
            return starts;
        }

        public SourcePos At(int offset)
        {
            int i = _starts.BinarySearch(offset);
            if (i < 0) i = ~i - 1;
            return new SourcePos(i + 1, offset - _starts[i] + 1);
        }
    }
}
