using System.Text.RegularExpressions;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Normalization;

/// <summary>
/// Removes URLs or replaces them with a placeholder (step <c>urls</c>): URLs in training text come straight back
/// out of the model (ABEJA's lesson). Removal also takes the space before the URL, so no double space is left.
/// </summary>
public sealed partial class UrlRemover(string replacement = "") : IPipelineStep
{
    [GeneratedRegex(@"(?<sp>[ \t])?(?:(?:https?|ftp)://[^\s<>""'「」（）()、。]+|www\.[A-Za-z0-9-]+\.[^\s<>""'「」（）()、。]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    public string Name => "urls";

    public string? Apply(Document doc)
    {
        if (doc.Text.Contains("://") || doc.Text.Contains("www.", StringComparison.OrdinalIgnoreCase))
            doc.Text = Url().Replace(doc.Text, m => replacement.Length == 0 ? "" : m.Groups["sp"].Value + replacement);
        return null;
    }
}
