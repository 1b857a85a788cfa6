using ScottPlot;
using SkiaSharp;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// Picks the font family for a plot. ScottPlot's default is whatever Skia lists first (often a serif face);
/// a sans face that covers the labels reads better. SkiaSharp's Linux "NoDependencies" build scans
/// /usr/share/fonts itself (no fontconfig): on a machine without fonts there is nothing to pick and the plot
/// is drawn without text rather than failing.
/// </summary>
internal static class PlotFontChooser
{
    private static readonly string[] PreferredSansFamilies =
        ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Noto Sans CJK JP", "Arial", "Helvetica", "Segoe UI"];

    /// <summary>
    /// Returns a preferred sans family that draws every character of <paramref name="text"/>; else any installed
    /// family that does (e.g. a CJK font for Japanese domain names); else a preferred sans family anyway (missing
    /// characters become boxes); null when no font is installed at all.
    /// </summary>
    public static string? Choose(string text)
    {
        var installed = new HashSet<string>(SKFontManager.Default.FontFamilies, StringComparer.OrdinalIgnoreCase);
        string[] preferred = PreferredSansFamilies.Where(installed.Contains).ToArray();
        if (preferred.FirstOrDefault(family => Covers(family, text)) is { } coveringSans)
            return coveringSans;
        // Detect searches every installed family; it falls back to the default family when none covers the text.
        string detected = Fonts.Detect(text);
        if (!string.IsNullOrEmpty(detected) && Covers(detected, text))
            return detected;
        if (preferred.Length > 0)
            return preferred[0];
        return string.IsNullOrEmpty(detected) ? null : detected;
    }

    private static bool Covers(string family, string text)
    {
        using SKTypeface? typeface = SKTypeface.FromFamilyName(family);
        return typeface is not null && typeface.ContainsGlyphs(text);
    }
}
