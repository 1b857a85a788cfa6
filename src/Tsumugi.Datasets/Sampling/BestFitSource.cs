namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// Best-fit packed rows of <c>SequenceLength + 1</c> ids. Each epoch: shuffle documents (seeded), split documents longer
/// than a row into row-sized chunks (the only truncation), pack all chunks with Best-Fit-Decreasing, shuffle the rows.
/// Slack is padded with the pad id and labelled −100. A row never splits a document that fits in a row.
/// The row count per epoch depends only on the multiset of lengths, so every epoch has the same size.
/// </summary>
public sealed class BestFitSource : ISampleSource
{
    private readonly DocumentReader _documents;
    private readonly SamplerOptions _options;
    private readonly DatasetPart _part;
    private readonly int _capacity;
    private Epoch? _epoch;

    public BestFitSource(IndexedDataset dataset, SamplerOptions options, string name, int datasetIndex, DatasetPart part = DatasetPart.Train)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SequenceLength, 1);
        _documents = new DocumentReader(dataset, options.AppendEosId, options.ValidationFraction, part);
        _part = part;
        _options = options;
        _capacity = options.SequenceLength + 1;
        Name = name;
        DatasetIndex = datasetIndex;
        TokensPerEpoch = _documents.TotalTokens;
        if (TokensPerEpoch == 0) throw new ArgumentException($"dataset '{name}' ({dataset.Prefix}) has no tokens ({_part.ToString().ToLowerInvariant()} part)");
        var first = BuildEpoch(0);
        _epoch = first;
        SamplesPerEpoch = first.BinStarts.Length - 1;
    }

    public string Name { get; }
    public int DatasetIndex { get; }
    public int SequenceLength => _options.SequenceLength;
    public long SamplesPerEpoch { get; }
    public long TokensPerEpoch { get; }
    public string Identity => FormattableString.Invariant($"bestfit:{Name}:{_part}:{_options.ValidationFraction}:{_documents.Count}:{TokensPerEpoch}:{_options.Seed}:{_options.SequenceLength}:{_options.Shuffle}:{_options.AppendEosId}:{_options.PadId}");

    /// <summary>Fraction of row slots that are padding (the cost of never splitting documents).</summary>
    public double PaddingFraction => 1.0 - (double)TokensPerEpoch / (SamplesPerEpoch * (long)_capacity);

    public TrainingSample GetSample(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var epoch = GetEpoch((int)(index / SamplesPerEpoch));
        var local = (int)(index % SamplesPerEpoch);
        var bin = epoch.RowOrder is null ? local : epoch.RowOrder[local];
        var tokens = new int[_capacity];
        var labels = new int[_capacity];
        var first = epoch.BinStarts[bin];
        var pieces = new int[epoch.BinStarts[bin + 1] - first];
        var at = 0;
        for (var c = 0; c < pieces.Length; c++)
        {
            var length = epoch.ChunkLength[first + c];
            _documents.Read(epoch.ChunkDocument[first + c], epoch.ChunkOffset[first + c], tokens.AsSpan(at, length));
            pieces[c] = length;
            at += length;
        }
        tokens.AsSpan(0, at).CopyTo(labels);
        tokens.AsSpan(at).Fill(_options.PadId);
        labels.AsSpan(at).Fill(SamplerOptions.IgnoreLabel);
        return new TrainingSample(tokens, labels, pieces, _capacity - at, DatasetIndex);
    }

    private Epoch GetEpoch(int number)
    {
        var cached = _epoch;
        if (cached is not null && cached.Number == number) return cached;
        var built = BuildEpoch(number);
        _epoch = built;
        return built;
    }

    private Epoch BuildEpoch(int number)
    {
        var n = _documents.Count;
        var order = DeterministicRandom.Order(_options.Shuffle, n, _options.Seed, DatasetIndex, number, 3);
        // Chunks in document order: each document split into pieces of at most one row.
        var chunkCount = 0L;
        foreach (var d in order) chunkCount += (_documents.Length(d) + _capacity - 1) / _capacity;
        if (chunkCount > int.MaxValue) throw new InvalidOperationException($"dataset '{Name}' has too many chunks for one epoch");
        var docOf = new int[chunkCount];
        var offsetOf = new int[chunkCount];
        var lengthOf = new int[chunkCount];
        var k = 0;
        foreach (var d in order)
        {
            var length = _documents.Length(d);
            for (var offset = 0; offset < length; offset += _capacity, k++)
            {
                docOf[k] = d;
                offsetOf[k] = offset;
                lengthOf[k] = Math.Min(_capacity, length - offset);
            }
        }
        var binOf = new int[chunkCount];
        var bins = BestFitPacker.Pack(lengthOf, _capacity, binOf);

        // Group chunks by bin (stable: within a bin, placement order = longest first).
        var binStarts = new int[bins + 1];
        foreach (var b in binOf) binStarts[b + 1]++;
        for (var b = 0; b < bins; b++) binStarts[b + 1] += binStarts[b];
        var fill = (int[])binStarts.Clone();
        var placement = new int[chunkCount];
        var sortedByLength = SortedByLengthDescending(lengthOf);
        foreach (var c in sortedByLength) placement[fill[binOf[c]]++] = c;
        var chunkDocument = new int[chunkCount];
        var chunkOffset = new int[chunkCount];
        var chunkLength = new int[chunkCount];
        for (var i = 0; i < placement.Length; i++)
        {
            chunkDocument[i] = docOf[placement[i]];
            chunkOffset[i] = offsetOf[placement[i]];
            chunkLength[i] = lengthOf[placement[i]];
        }
        var rows = _options.Shuffle ? DeterministicRandom.For(_options.Seed, DatasetIndex, number, 4).Permutation(bins) : null;
        return new Epoch(number, binStarts, chunkDocument, chunkOffset, chunkLength, rows);
    }

    private int[] SortedByLengthDescending(int[] lengths)
    {
        var counts = new int[_capacity + 2];
        foreach (var l in lengths) counts[l]++;
        var next = new int[_capacity + 2];
        for (int l = _capacity, at = 0; l >= 1; l--)
        {
            next[l] = at;
            at += counts[l];
        }
        var sorted = new int[lengths.Length];
        for (var i = 0; i < lengths.Length; i++) sorted[next[lengths[i]]++] = i;
        return sorted;
    }

    private sealed record Epoch(int Number, int[] BinStarts, int[] ChunkDocument, int[] ChunkOffset, int[] ChunkLength, int[]? RowOrder);
}
