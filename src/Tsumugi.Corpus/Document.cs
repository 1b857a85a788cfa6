namespace Tsumugi.Corpus;

/// <summary>
/// One document flowing through the corpus pipeline. Mutable on purpose: normalisers rewrite <see cref="Text"/> in
/// place so a document is not copied once per step.
/// </summary>
public sealed class Document
{
    public required string Id { get; set; }
    public required string Text { get; set; }
    public required DocumentSource Source { get; init; }

    /// <summary>ja / en / code / math / other once routed; "unrouted" before.</summary>
    public string Domain { get; set; } = "unrouted";

    /// <summary>Quality tier (high / medium / low) once scored; "unrated" before.</summary>
    public string Quality { get; set; } = "unrated";

    /// <summary>
    /// The input record's own <c>domain</c> field (JSON/JSONL, e.g. a shard of <c>corpus clean</c> read back), null when
    /// it has none. Kept apart from <see cref="Domain"/>: that one is what this pipeline's routing decided, and
    /// domain-scoped steps must not trust a label from foreign data.
    /// </summary>
    public string? InputDomain { get; set; }

    /// <summary>The input record's own <c>quality</c> field, null when it has none (see <see cref="InputDomain"/>).</summary>
    public string? InputQuality { get; set; }

    /// <summary>Characters as read (after HTML extraction, before normalisation): the unit of the accounting.</summary>
    public int InputChars { get; init; }

    /// <summary>Free-form metadata written to the output's <c>meta</c> object (values must be JSON-serialisable).</summary>
    public Dictionary<string, object?> Meta { get; } = new(StringComparer.Ordinal);
}
