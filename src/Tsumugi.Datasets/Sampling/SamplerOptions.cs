namespace Tsumugi.Datasets.Sampling;

/// <summary>Settings shared by every dataset's sample source in a run.</summary>
public sealed record SamplerOptions
{
    /// <summary>Tokens the model predicts per row; each row holds <c>SequenceLength + 1</c> ids.</summary>
    public required int SequenceLength { get; init; }

    /// <summary>Seeds every document and sample shuffle; same seed, same rows.</summary>
    public long Seed { get; init; } = 1234;

    public PackingMode Packing { get; init; } = PackingMode.Concat;

    /// <summary>Shuffle documents and rows each epoch. Off keeps the stored order (curriculum-ordered data, as Tanuki did).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Id written into padding slots (best-fit only); their labels are −100 so it never trains.</summary>
    public int PadId { get; init; }

    /// <summary>When set, a virtual EOS with this id ends every document — for data written without <c>--append-eod</c>.</summary>
    public int? AppendEosId { get; init; }

    /// <summary>
    /// Fraction of each dataset's documents held out for validation (chosen by a hash of the document index, the same for
    /// every seed); training sources never read them. 0 = no split.
    /// </summary>
    public double ValidationFraction { get; init; }

    /// <summary>Label value the loss ignores (PyTorch / HF convention).</summary>
    public const int IgnoreLabel = -100;
}
