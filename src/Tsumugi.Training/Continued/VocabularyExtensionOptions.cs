namespace Tsumugi.Training.Continued;

/// <summary>How <see cref="VocabularyExtension"/> treats a new tokenizer that is not a pure extension of the old one.</summary>
public sealed class VocabularyExtensionOptions
{
    /// <summary>
    /// Accept a new tokenizer that lacks some of the old tokenizer's pieces; their rows are discarded. Off by default:
    /// a tokenizer that drops pieces was almost always built from the wrong base, and the model would silently lose
    /// what it learned for them.
    /// </summary>
    public bool AllowDroppedPieces { get; init; }

    /// <summary>
    /// Which old ids each new id is averaged from (the extended tokenizer's id-map.json). When null, or for a new id
    /// the map does not list, the split is computed from the two tokenizers — the same computation that wrote the map.
    /// </summary>
    public VocabularyIdMap? IdMap { get; init; }
}
