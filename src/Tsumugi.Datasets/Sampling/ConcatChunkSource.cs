namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// Megatron GPT sample construction, one epoch at a time: shuffle the documents (seeded per epoch), concatenate them
/// (each ends with its EOS), cut every <c>SequenceLength</c> tokens, read <c>SequenceLength + 1</c> so consecutive rows
/// overlap by one token, drop the last partial row, then shuffle the rows. Unlike Megatron, rows never span two epochs;
/// that makes every epoch the same size and row <c>i</c> computable without building the earlier epochs.
/// </summary>
public sealed class ConcatChunkSource : ISampleSource
{
    private readonly DocumentReader _documents;
    private readonly SamplerOptions _options;
    private readonly DatasetPart _part;
    private Epoch? _epoch;

    public ConcatChunkSource(IndexedDataset dataset, SamplerOptions options, string name, int datasetIndex, DatasetPart part = DatasetPart.Train)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SequenceLength, 1);
        _documents = new DocumentReader(dataset, options.AppendEosId, options.ValidationFraction, part);
        _part = part;
        _options = options;
        Name = name;
        DatasetIndex = datasetIndex;
        TokensPerEpoch = _documents.TotalTokens;
        SamplesPerEpoch = Math.Max(0, (TokensPerEpoch - 1) / options.SequenceLength);
        if (SamplesPerEpoch == 0)
            throw new ArgumentException($"dataset '{name}' ({dataset.Prefix}) has {TokensPerEpoch} tokens ({_part.ToString().ToLowerInvariant()} part), fewer than one row of {options.SequenceLength + 1}");
        if (SamplesPerEpoch > int.MaxValue)
            throw new ArgumentException($"dataset '{name}' has {SamplesPerEpoch} rows per epoch; split it into datasets of < 2^31 rows");
    }

    public string Name { get; }
    public int DatasetIndex { get; }
    public int SequenceLength => _options.SequenceLength;
    public long SamplesPerEpoch { get; }
    public long TokensPerEpoch { get; }
    public string Identity => FormattableString.Invariant($"concat:{Name}:{_part}:{_options.ValidationFraction}:{_documents.Count}:{TokensPerEpoch}:{_options.Seed}:{_options.SequenceLength}:{_options.Shuffle}:{_options.AppendEosId}");

    public TrainingSample GetSample(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var epoch = GetEpoch((int)(index / SamplesPerEpoch));
        var local = (int)(index % SamplesPerEpoch);
        var row = epoch.RowOrder is null ? local : epoch.RowOrder[local];
        var length = _options.SequenceLength + 1;
        var tokens = new int[length];
        var pieces = new List<int>(4);
        var start = (long)row * _options.SequenceLength;
        // The document holding the row's first token: the last position whose start offset is ≤ start.
        var position = Array.BinarySearch(epoch.Starts, start);
        if (position < 0) position = ~position - 1;
        var offset = (int)(start - epoch.Starts[position]);
        var filled = 0;
        while (filled < length)
        {
            var document = epoch.Order[position];
            var take = Math.Min(_documents.Length(document) - offset, length - filled);
            if (take > 0)
            {
                _documents.Read(document, offset, tokens.AsSpan(filled, take));
                pieces.Add(take);
                filled += take;
            }
            offset = 0;
            position++;
        }
        return new TrainingSample(tokens, (int[])tokens.Clone(), [.. pieces], 0, DatasetIndex);
    }

    private Epoch GetEpoch(int number)
    {
        // One epoch is cached; rows are read in order almost always, so this rebuilds once per epoch.
        var cached = _epoch;
        if (cached is not null && cached.Number == number) return cached;
        var built = BuildEpoch(number);
        _epoch = built;
        return built;
    }

    private Epoch BuildEpoch(int number)
    {
        var n = _documents.Count;
        var order = DeterministicRandom.Order(_options.Shuffle, n, _options.Seed, DatasetIndex, number, 1);
        var starts = new long[n + 1];
        for (var i = 0; i < n; i++) starts[i + 1] = starts[i] + _documents.Length(order[i]);
        // Zero-length documents share a start with their successor; BinarySearch may land on either, and the walk
        // above skips empty documents, so both give the same row.
        var rows = _options.Shuffle ? DeterministicRandom.For(_options.Seed, DatasetIndex, number, 2).Permutation((int)SamplesPerEpoch) : null;
        return new Epoch(number, order, starts, rows);
    }

    private sealed record Epoch(int Number, int[] Order, long[] Starts, int[]? RowOrder);
}
