using System.Security.Cryptography;
using System.Text;

namespace Tsumugi.Datasets.Sampling;

/// <summary>
/// The training row stream: stages in order, each drawing its rows from the sources by weight. Within a stage the next
/// source is the one whose realised count is furthest below its target (Megatron <c>build_blending_indices</c>:
/// argmax of <c>w_i·max(k,1) − count_i</c>, first index on ties), so the interleaving is deterministic and every prefix
/// matches the weights to within one row. Each source keeps its own cursor across stages, so a dataset used in two
/// stages continues where it stopped instead of repeating. After the last stage the last mixture continues.
/// Not thread-safe: one sampler per data-parallel rank.
/// </summary>
public sealed class CurriculumSampler
{
    private readonly IReadOnlyList<ISampleSource> _sources;
    private readonly IReadOnlyList<SamplerStage> _stages;
    private readonly long[] _stageCounts;
    private readonly long[] _cursors;
    private long _stagePosition;

    public CurriculumSampler(IReadOnlyList<ISampleSource> sources, IReadOnlyList<SamplerStage> stages)
    {
        if (sources.Count == 0) throw new ArgumentException("no datasets", nameof(sources));
        if (stages.Count == 0) throw new ArgumentException("no stages", nameof(stages));
        var length = sources[0].SequenceLength;
        foreach (var source in sources)
            if (source.SequenceLength != length) throw new ArgumentException($"dataset '{source.Name}' has sequence length {source.SequenceLength}, others {length}", nameof(sources));
        foreach (var stage in stages)
        {
            if (stage.Weights.Count != sources.Count) throw new ArgumentException($"stage '{stage.Name}' has {stage.Weights.Count} weights for {sources.Count} datasets", nameof(stages));
            if (stage.Weights.Any(w => w < 0 || double.IsNaN(w)) || Math.Abs(stage.Weights.Sum() - 1) > 1e-6)
                throw new ArgumentException($"stage '{stage.Name}': weights must be ≥ 0 and sum to 1", nameof(stages));
            if (stage.Samples <= 0) throw new ArgumentException($"stage '{stage.Name}' has no rows", nameof(stages));
        }
        _sources = sources;
        _stages = stages;
        _stageCounts = new long[sources.Count];
        _cursors = new long[sources.Count];
        Fingerprint = ComputeFingerprint(sources, stages);
        PlannedSamples = stages.Sum(s => s.Samples);
    }

    public string Fingerprint { get; }

    /// <summary>Rows drawn so far.</summary>
    public long Position { get; private set; }

    public int StageIndex { get; private set; }

    /// <summary>Rows the stages add up to; drawing beyond it continues the last stage's mixture.</summary>
    public long PlannedSamples { get; }

    public IReadOnlyList<ISampleSource> Sources => _sources;
    public IReadOnlyList<SamplerStage> Stages => _stages;

    /// <summary>Rows each dataset has supplied so far (its cursor).</summary>
    public IReadOnlyList<long> Cursors => _cursors;

    public TrainingSample Next()
    {
        var (source, index, stage) = Advance();
        var sample = _sources[source].GetSample(index);
        sample.StageIndex = stage;
        return sample;
    }

    public TrainingBatch NextBatch(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var rows = new TrainingSample[batchSize];
        for (var i = 0; i < batchSize; i++) rows[i] = Next();
        return new TrainingBatch(rows);
    }

    /// <summary>
    /// Data parallelism: every rank runs the same sampler and draws the whole global batch of
    /// <c>batchSize × worldSize</c> rows, but reads only its own slice (rows <c>rank·batchSize …</c>). All ranks stay in
    /// the same state, so any rank's <see cref="GetState"/> resumes all of them, also with another world size.
    /// </summary>
    public TrainingBatch NextBatch(int batchSize, int rank, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        if ((uint)rank >= (uint)worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {worldSize})");
        var rows = new TrainingSample[batchSize];
        for (var r = 0; r < worldSize; r++)
        {
            for (var i = 0; i < batchSize; i++)
            {
                var (source, index, stage) = Advance();
                if (r != rank) continue; // other ranks' rows: advance the cursors, read nothing
                rows[i] = _sources[source].GetSample(index);
                rows[i].StageIndex = stage;
            }
        }
        return new TrainingBatch(rows);
    }

    /// <summary>
    /// Moves past <paramref name="rows"/> rows without reading them (the spike guard's "skip the offending data window").
    /// The state afterwards equals that of a sampler which drew them.
    /// </summary>
    public void Skip(long rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        for (long i = 0; i < rows; i++) Advance();
    }

    /// <summary>Picks the next row's source and its index in that source, and moves the state past it.</summary>
    private (int Source, long Index, int Stage) Advance()
    {
        if (_stagePosition >= _stages[StageIndex].Samples && StageIndex < _stages.Count - 1)
        {
            StageIndex++;
            _stagePosition = 0;
            Array.Clear(_stageCounts);
        }
        var chosen = Choose(_stages[StageIndex].Weights, _stageCounts, _stagePosition);
        _stageCounts[chosen]++;
        _stagePosition++;
        Position++;
        return (chosen, _cursors[chosen]++, StageIndex);
    }

    /// <summary>Megatron's greedy max-error choice for the row after <paramref name="position"/> rows of a stage.</summary>
    internal static int Choose(IReadOnlyList<double> weights, long[] counts, long position)
    {
        var k = Math.Max(position, 1);
        var best = 0;
        var bestError = double.NegativeInfinity;
        for (var i = 0; i < weights.Count; i++)
        {
            var error = weights[i] * k - counts[i];
            if (error > bestError)
            {
                bestError = error;
                best = i;
            }
        }
        return best;
    }

    public SamplerState GetState() => new()
    {
        Fingerprint = Fingerprint,
        Position = Position,
        StageIndex = StageIndex,
        StagePosition = _stagePosition,
        StageCounts = (long[])_stageCounts.Clone(),
        Cursors = (long[])_cursors.Clone(),
    };

    /// <summary>Continues from a saved state; refuses a state saved for other datasets, options or stages.</summary>
    public void Restore(SamplerState state)
    {
        if (state.Version != 1) throw new InvalidOperationException($"sampler state version {state.Version} is not supported");
        if (state.Fingerprint != Fingerprint)
            throw new InvalidOperationException("sampler state was saved for a different data plan (datasets, seed, sequence length, packing or stages changed); resume with the same data config");
        if (state.Cursors.Length != _cursors.Length || state.StageCounts.Length != _stageCounts.Length || state.StageIndex < 0 || state.StageIndex >= _stages.Count)
            throw new InvalidOperationException("sampler state does not match this plan's shape");
        Position = state.Position;
        StageIndex = state.StageIndex;
        _stagePosition = state.StagePosition;
        state.StageCounts.CopyTo(_stageCounts, 0);
        state.Cursors.CopyTo(_cursors, 0);
    }

    private static string ComputeFingerprint(IReadOnlyList<ISampleSource> sources, IReadOnlyList<SamplerStage> stages)
    {
        var text = new StringBuilder();
        foreach (var s in sources) text.Append(s.Identity).Append('|');
        foreach (var s in stages) text.Append(s.Name).Append(':').Append(s.Samples).Append(':').AppendJoin(',', s.Weights.Select(w => w.ToString("R", System.Globalization.CultureInfo.InvariantCulture))).Append('|');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
