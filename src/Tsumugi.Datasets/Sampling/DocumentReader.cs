namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// The documents of one dataset that a source reads — all of them, or the training or held-out part — each optionally
/// followed by a virtual EOS that is not stored in the <c>.bin</c>. Sources address documents by local index.
/// </summary>
internal sealed class DocumentReader
{
    private readonly IndexedDataset _dataset;
    private readonly int? _appendEosId;
    private readonly int _extra;
    private readonly int[]? _ids; // local → stored sequence; null = identity

    public DocumentReader(IndexedDataset dataset, int? appendEosId, double validationFraction = 0, DatasetPart part = DatasetPart.Train)
    {
        _dataset = dataset;
        _appendEosId = appendEosId;
        _extra = appendEosId.HasValue ? 1 : 0;
        if (validationFraction > 0 || part == DatasetPart.Validation)
        {
            var ids = new List<int>();
            for (var i = 0; i < dataset.SequenceCount; i++)
                if (IsHeldOut(i, validationFraction) == (part == DatasetPart.Validation)) ids.Add(i);
            _ids = [.. ids];
        }
        Count = _ids?.Length ?? dataset.SequenceCount;
        long tokens = 0;
        for (var i = 0; i < Count; i++) tokens += Length(i);
        TotalTokens = tokens;
    }

    public int Count { get; }
    public long TotalTokens { get; }

    public int Length(int document) => _dataset.GetLength(Stored(document)) + _extra;

    /// <summary>Reads <c>destination.Length</c> ids from <paramref name="offset"/>; the virtual EOS is the last position.</summary>
    public void Read(int document, int offset, Span<int> destination)
    {
        var sequence = Stored(document);
        var stored = _dataset.GetLength(sequence);
        var fromFile = Math.Max(0, Math.Min(destination.Length, stored - offset));
        if (fromFile > 0) _dataset.Read(sequence, offset, destination[..fromFile]);
        if (fromFile < destination.Length) destination[fromFile] = _appendEosId!.Value;
    }

    private int Stored(int document) => _ids is null ? document : _ids[document];

    /// <summary>
    /// Held-out membership from a hash of the document index alone: independent of the seed, so runs with different
    /// seeds (and their perplexities) are measured on the same documents.
    /// </summary>
    internal static bool IsHeldOut(int document, double fraction)
    {
        if (fraction <= 0) return false;
        var z = (ulong)document * 0x9E3779B97F4A7C15UL + 0x7473756D756769UL; // "tsumugi"
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < fraction;
    }
}
