namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// An endless, random-access stream of rows from one dataset: row <c>i</c> is fixed by the seed, so a resumed run asks
/// for the same index and gets the same row. Epoch <c>e</c> is rows [e·SamplesPerEpoch, (e+1)·SamplesPerEpoch).
/// </summary>
public interface ISampleSource
{
    string Name { get; }
    int DatasetIndex { get; }
    int SequenceLength { get; }

    /// <summary>Rows per pass over the data.</summary>
    long SamplesPerEpoch { get; }

    /// <summary>Document tokens per pass (EOS included).</summary>
    long TokensPerEpoch { get; }

    /// <summary>Stable description of what fixes the rows (for resume checks).</summary>
    string Identity { get; }

    TrainingSample GetSample(long index);
}
