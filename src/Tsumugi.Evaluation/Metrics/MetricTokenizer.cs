using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// Word splitting for BLEU and ROUGE, as sacrebleu tokenizes before counting n-grams: <see cref="Japanese"/> is
/// <c>ja-mecab</c> (MeCab + IPADIC, <see cref="MeCabTagger"/>), <see cref="Thirteen"/> is the default <c>13a</c>.
/// Both take the text as llm-jp-eval passes it (stripped) and return sacrebleu's whitespace-split tokens.
/// </summary>
public static partial class MetricTokenizer
{
    public static IReadOnlyList<string> Japanese(string text) => MeCabTagger.Tokenize(text);

    /// <summary>sacrebleu's `13a` tokenizer (mteval-v13a): split punctuation and symbols off words, keep decimal numbers together.</summary>
    public static IReadOnlyList<string> Thirteen(string text)
    {
        var line = PythonText.Strip(text).Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ");
        if (line.Contains('&'))
            line = line.Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        line = Symbols().Replace(" " + line + " ", " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return PythonText.Split(line);
    }

    [GeneratedRegex(@"([\{-\~\[-\` -\&\(-\+\:-\@\/])")]
    private static partial Regex Symbols();

    [GeneratedRegex(@"([^0-9])([\.,])")]
    private static partial Regex PeriodCommaAfterNonDigit();

    [GeneratedRegex(@"([\.,])([^0-9])")]
    private static partial Regex PeriodCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)")]
    private static partial Regex DashAfterDigit();
}
