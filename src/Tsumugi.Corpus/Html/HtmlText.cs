namespace Tsumugi.Corpus.Html;

/// <summary>Extracted page text and its &lt;title&gt;.</summary>
public readonly record struct HtmlText(string Text, string? Title);
