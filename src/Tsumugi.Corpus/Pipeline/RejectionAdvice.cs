using System.Globalization;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// Written into summary.json (and printed) when a run rejected most of its documents: which filters rejected the
/// most, and where to look. The usual cause is the default web-text thresholds (HojiChar's) applied to manuals and
/// reference pages, whose code blocks and tables look like "too many short lines" and "repetition".
/// </summary>
public sealed record RejectionAdvice
{
    /// <summary>Share of the documents read that filters rejected above which the advice is given.</summary>
    public const double Threshold = 0.5;

    /// <summary>The cleaning preset for documentation (shipped in the repository).</summary>
    public const string DocumentationPreset = "configs/corpus-docs.yaml";

    /// <summary>The documentation section on tuning the filters.</summary>
    public const string DocumentationSection = "docs/corpus.md#when-most-documents-are-rejected";

    const int TopCount = 3;

    /// <summary>Documents rejected by filters / documents read.</summary>
    public required double RejectedShare { get; init; }

    /// <summary>The filters that rejected the most, most first.</summary>
    public required IReadOnlyList<RejectedBy> TopFilters { get; init; }

    public string Preset => DocumentationPreset;

    public string Docs => DocumentationSection;

    /// <summary>The advice in one paragraph, as printed.</summary>
    public string Message => string.Create(CultureInfo.InvariantCulture,
        $"{RejectedShare * 100:0}% of the documents were rejected; most by {string.Join(", ", TopFilters.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Filter} ({f.Docs:N0}, {f.Share * 100:0}%)")))}. " +
        $"The default thresholds are tuned for web text; for manuals and reference pages use --config {Preset}, " +
        $"or switch off or relax those filters (see {Docs}; --keep-rejected DIR shows each document's reason).");

    /// <summary>The advice for a run's books, or null when filters rejected no more than <see cref="Threshold"/> of the documents.</summary>
    public static RejectionAdvice? For(RunStats stats)
    {
        if (stats.DocsIn == 0 || stats.DocsRejected <= Threshold * stats.DocsIn) return null;
        return new RejectionAdvice
        {
            RejectedShare = (double)stats.DocsRejected / stats.DocsIn,
            TopFilters = stats.Rejected.OrderByDescending(r => r.Value.Docs).ThenBy(r => r.Key, StringComparer.Ordinal).Take(TopCount)
                .Select(r => new RejectedBy(r.Key, r.Value.Docs, (double)r.Value.Docs / stats.DocsIn)).ToList(),
        };
    }
}
