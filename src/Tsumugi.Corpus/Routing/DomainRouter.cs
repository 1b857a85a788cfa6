using Tsumugi.Corpus.Steps;
using Tsumugi.Corpus.Text;

namespace Tsumugi.Corpus.Routing;

/// <summary>
/// Fast domain routing (step <c>route</c>): ja / en / code / math / other from script ratios plus code and formula
/// cues, no model. Code files (by extension) are code; otherwise a document is code when most of its lines look like
/// code (RedPajama-style cues), math when LaTeX/formula symbols are dense, ja when it has kana and Japanese script
/// makes up a good share of its letters, en when latin letters dominate. Runs before prose filters, because
/// prose rules (C4's "{" rule, kuten density) would throw code and math away.
/// </summary>
public sealed class DomainRouter(double minJapaneseShare = 0.25, double minCodeLines = 0.5, double minMathDensity = 0.01) : IPipelineStep
{
    static readonly string[] CodeStarts =
    [
        "def ", "class ", "import ", "from ", "#include", "return ", "if (", "for (", "while (", "public ", "private ",
        "static ", "const ", "let ", "var ", "function ", "#!/", "}", "{", "@", "elif ", "else:", "try:", "except",
    ];

    static readonly string[] LatexCues = [@"\frac", @"\sum", @"\int", @"\begin{", @"\alpha", @"\beta", @"\sqrt", @"\mathbb", @"\left", @"$$"];

    public string Name => "route";

    public string? Apply(Document doc)
    {
        doc.Domain = Route(doc);
        return null;
    }

    public string Route(Document doc)
    {
        if (doc.Meta.TryGetValue("format", out var f) && f is "code") return "code";
        var text = doc.Text;
        long kana = 0, kanji = 0, latin = 0, mathSymbols = 0;
        foreach (char c in text)
        {
            if (CharClass.IsKana(c)) kana++;
            else if (CharClass.IsKanji(c)) kanji++;
            else if (CharClass.IsLatin(c)) latin++;
            else if (c is '∑' or '∫' or '√' or '≤' or '≥' or '≠' or '±' or '∞' or '∂' or '∇' or '∈' or '⊂' or '→' or 'π' or 'θ' or 'λ' or 'σ') mathSymbols++;
        }
        long letters = kana + kanji + latin;
        double jaShare = letters == 0 ? 0 : (double)(kana + kanji) / letters;
        doc.Meta["ja_share"] = Math.Round(jaShare, 3);

        int lines = 0, codeLines = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan(range.Start.Value, range.End.Value - range.Start.Value);
            var t = line.Trim();
            if (t.Length == 0) continue;
            lines++;
            if (LooksLikeCode(line, t)) codeLines++;
        }
        double codeShare = lines == 0 ? 0 : (double)codeLines / lines;
        doc.Meta["code_share"] = Math.Round(codeShare, 3);
        if (codeShare >= minCodeLines && lines >= 3 && jaShare < 0.5) return "code";

        long latex = 0;
        foreach (var cue in LatexCues)
            for (int i = text.IndexOf(cue, StringComparison.Ordinal); i >= 0; i = text.IndexOf(cue, i + 1, StringComparison.Ordinal)) latex++;
        double mathDensity = text.Length == 0 ? 0 : (double)(mathSymbols + 5 * latex) / text.Length;
        if (mathDensity >= minMathDensity) return "math";

        if (kana > 0 && jaShare >= minJapaneseShare) return "ja";
        if (letters > 0 && (double)latin / letters >= 0.8) return "en";
        return "other";
    }

    static bool LooksLikeCode(ReadOnlySpan<char> line, ReadOnlySpan<char> t)
    {
        char last = t[^1];
        if (last is ';' or '{' or '}') return true;
        if (last == ':' && (line.StartsWith("    ") || t.StartsWith("def ") || t.StartsWith("class ") || t.StartsWith("if ") || t.StartsWith("for "))) return true;
        foreach (var s in CodeStarts) if (t.StartsWith(s, StringComparison.Ordinal)) return true;
        if (t.StartsWith("#") && line.StartsWith("    ")) return true;
        if (t.Contains(" = ", StringComparison.Ordinal) && (t.Contains('(') || t.Contains('[')) && t.IndexOfAnyInRange('\u3040', '\u9FFF') < 0) return true;
        return t.Contains("()", StringComparison.Ordinal) && t.IndexOfAnyInRange('\u3040', '\u9FFF') < 0 && line.StartsWith("    ");
    }
}
