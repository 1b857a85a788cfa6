namespace Tsumugi.Corpus.Html;

/// <summary>Boilerplate-removal knobs (YAML <c>reader.html:</c>).</summary>
public sealed class HtmlExtractorOptions
{
    /// <summary>A block whose link text exceeds this fraction of its text is navigation (trafilatura uses 0.8).</summary>
    public double MaxLinkDensity { get; set; } = 0.8;

    /// <summary>Paragraph-like blocks longer than this are never dropped for link density (trafilatura tests only short elements).</summary>
    public int LinkDensityMaxChars { get; set; } = 300;

    /// <summary>Drop elements whose class/id names navigation, menus, breadcrumbs, sidebars, footers, share widgets.</summary>
    public bool DropByClass { get; set; } = true;
}
