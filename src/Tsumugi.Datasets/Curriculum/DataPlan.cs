using System.Globalization;
using System.Text;
using Tsumugi.Common;
using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Curriculum;

/// <summary>
/// A checked data plan: datasets opened and validated, rows per stage and dataset, epochs per dataset. Creating it
/// is the preflight — every data problem (missing or corrupt files, a vocabulary the model cannot embed, a budget the
/// data cannot supply within <c>max_epochs</c>) is a <see cref="DataConfigException"/> before any training step.
/// Owns the opened datasets; <see cref="CreateSampler"/> gives the row stream.
/// </summary>
public sealed class DataPlan : IDisposable
{
    // Above this many rows a stage's per-dataset split is computed in closed form rather than by replaying the blend
    // (both agree to within one row per dataset; the replay costs O(rows × datasets)).
    private const long ExactBlendLimit = 20_000_000;

    private readonly List<IndexedDataset> _opened;
    private readonly List<ISampleSource> _sources;

    private DataPlan(CurriculumConfig config, SamplerOptions options, List<IndexedDataset> opened, List<ISampleSource> sources,
        List<DataPlanDataset> datasets, List<DataPlanStage> stages)
    {
        Config = config;
        Options = options;
        _opened = opened;
        _sources = sources;
        Datasets = datasets;
        Stages = stages;
    }

    public CurriculumConfig Config { get; }
    public SamplerOptions Options { get; }
    public IReadOnlyList<DataPlanDataset> Datasets { get; }
    public IReadOnlyList<DataPlanStage> Stages { get; }
    public long TotalSamples => Stages.Sum(s => s.Samples);
    public long TotalTokens => Stages.Sum(s => s.Tokens);

    /// <summary>Held-out rows built with the plan (SFT); null when they come from the datasets' validation split.</summary>
    private IReadOnlyList<TrainingSample>? _validation;

    /// <summary>Lines printed above the stage table (what an in-memory plan was built from).</summary>
    private string? _summary;

    /// <summary>
    /// Opens the datasets and checks the plan. <paramref name="vocabularySize"/> (the model's) is checked against each
    /// dataset's manifest.json entry when there is one; a folder that <c>data tokenize</c> did not finish is refused
    /// (<see cref="DatasetCompleteness"/>).
    /// </summary>
    public static DataPlan Create(CurriculumConfig config, int sequenceLength, long seed, int? vocabularySize = null)
    {
        if (sequenceLength < 1) throw new DataConfigException($"{config.Source}: seq_length must be ≥ 1 (got {sequenceLength})");
        var options = new SamplerOptions
        {
            SequenceLength = sequenceLength,
            Seed = seed,
            Packing = config.Packing,
            Shuffle = config.Shuffle,
            PadId = config.PadId,
            AppendEosId = config.AppendEosId,
            ValidationFraction = config.ValidationFraction,
        };
        var opened = new List<IndexedDataset>();
        try
        {
            var sources = OpenSources(config, options, vocabularySize, opened);
            var (datasets, stages) = Compute(config, options, sources, opened);
            return new DataPlan(config, options, opened, sources, datasets, stages);
        }
        catch
        {
            foreach (var d in opened) d.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A plan over one source built in memory (SFT rows): a single stage of <paramref name="samples"/> rows, any number of
    /// epochs, and <paramref name="validation"/> as the held-out rows. <paramref name="summary"/> heads its text.
    /// </summary>
    public static DataPlan InMemory(string source, SamplerOptions options, ISampleSource train, long samples, long documents,
        IReadOnlyList<TrainingSample> validation, string summary)
    {
        var length = options.SequenceLength;
        var spec = new DatasetSpec { Name = train.Name, Path = source, MaxEpochs = double.PositiveInfinity };
        var config = new CurriculumConfig
        {
            Source = source,
            Packing = options.Packing,
            Shuffle = options.Shuffle,
            PadId = options.PadId,
            Datasets = [spec],
            Stages = [new CurriculumStage { Name = train.Name, Tokens = samples * length, Mixture = new Dictionary<string, double> { [train.Name] = 1 } }],
        };
        var dataset = new DataPlanDataset
        {
            Name = train.Name,
            Path = source,
            Domain = train.Name,
            Documents = documents,
            Tokens = train.TokensPerEpoch,
            ValidationTokens = validation.Sum(r => (long)r.DocumentLengths.Sum()),
            SamplesPerEpoch = train.SamplesPerEpoch,
            PlannedSamples = samples,
            PlannedTokens = samples * length,
            Epochs = (double)samples / train.SamplesPerEpoch,
            MaxEpochs = double.PositiveInfinity,
        };
        var stage = new DataPlanStage { Name = train.Name, TokenBudget = samples * length, Samples = samples, Tokens = samples * length, SamplesPerDataset = [samples], Weights = [1.0] };
        return new DataPlan(config, options, [], [train], [dataset], [stage]) { _validation = validation, _summary = summary };
    }

    private static List<ISampleSource> OpenSources(CurriculumConfig config, SamplerOptions options, int? vocabularySize, List<IndexedDataset> opened)
    {
        var problems = new List<string>();
        var sources = new List<ISampleSource>();
        if (vocabularySize is { } v)
        {
            if ((uint)options.PadId >= (uint)v) problems.Add($"pad_id {options.PadId} is outside the model vocabulary [0, {v})");
            if (options.AppendEosId is { } eos && (uint)eos >= (uint)v) problems.Add($"append_eos_id {eos} is outside the model vocabulary [0, {v})");
        }
        // A folder a `data tokenize` run did not finish holds datasets that look whole while a domain is missing.
        problems.AddRange(DatasetCompleteness.Problems(config.Datasets.Select(d => d.Path)));
        for (var i = 0; i < config.Datasets.Count; i++)
        {
            var spec = config.Datasets[i];
            try
            {
                var dataset = IndexedDataset.Open(spec.Path);
                opened.Add(dataset);
                if (vocabularySize is { } vocab)
                {
                    var entry = DatasetManifest.EntryFor(dataset.Prefix);
                    if (entry is not null && entry.VocabularySize > vocab)
                        problems.Add($"dataset '{spec.Name}': tokenized with a vocabulary of {entry.VocabularySize} (manifest.json) but the model has {vocab}; retokenize or use the matching model");
                }
                sources.Add(SampleSources.Create(dataset, options, spec.Name, i));
            }
            catch (Exception e) when (e is IndexedDatasetException or ArgumentException)
            {
                problems.Add($"dataset '{spec.Name}': {e.Message}");
            }
        }
        if (problems.Count > 0) throw new DataConfigException($"{config.Source}: {string.Join(Environment.NewLine + "  ", problems.Prepend("datasets cannot be used:"))}");
        return sources;
    }

    private static (List<DataPlanDataset>, List<DataPlanStage>) Compute(CurriculumConfig config, SamplerOptions options, List<ISampleSource> sources, List<IndexedDataset> opened)
    {
        var length = options.SequenceLength;
        var totals = new long[sources.Count];
        var stages = new List<DataPlanStage>();
        foreach (var stage in config.Stages)
        {
            var weights = config.Datasets.Select(d => stage.Mixture.GetValueOrDefault(d.Name)).ToArray();
            var samples = (stage.Tokens + length - 1) / length;
            var split = SplitRows(weights, samples);
            for (var i = 0; i < split.Length; i++) totals[i] += split[i];
            stages.Add(new DataPlanStage
            {
                Name = stage.Name,
                StartSample = stages.Sum(s => s.Samples),
                TokenBudget = stage.Tokens,
                Samples = samples,
                Tokens = samples * length,
                SamplesPerDataset = split,
                Weights = weights,
                LearningRate = stage.LearningRate,
            });
        }
        var datasets = new List<DataPlanDataset>();
        var problems = new List<string>();
        for (var i = 0; i < sources.Count; i++)
        {
            var spec = config.Datasets[i];
            var epochs = (double)totals[i] / sources[i].SamplesPerEpoch;
            datasets.Add(new DataPlanDataset
            {
                Name = spec.Name,
                Path = spec.Path,
                Domain = spec.Domain ?? spec.Name,
                Documents = opened[i].DocumentCount,
                Tokens = sources[i].TokensPerEpoch,
                ValidationTokens = opened[i].TokenCount + (options.AppendEosId.HasValue ? opened[i].SequenceCount : 0) - sources[i].TokensPerEpoch,
                SamplesPerEpoch = sources[i].SamplesPerEpoch,
                PlannedSamples = totals[i],
                PlannedTokens = totals[i] * length,
                Epochs = epochs,
                MaxEpochs = spec.MaxEpochs,
            });
            if (epochs > spec.MaxEpochs)
            {
                var users = stages.Where(s => s.SamplesPerDataset[i] > 0).Select(s => $"'{s.Name}'");
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"dataset '{spec.Name}': the plan reads it {epochs:0.####} times ({totals[i]:N0} rows = {TokenCounts.Format(totals[i] * (double)length)} tokens from stages {string.Join(", ", users)}; one epoch is {sources[i].SamplesPerEpoch:N0} rows) but max_epochs is {spec.MaxEpochs}; lower those budgets or weights, or raise datasets.{spec.Name}.max_epochs"));
            }
        }
        if (problems.Count > 0) throw new DataConfigException($"{config.Source}: {string.Join(Environment.NewLine + "  ", problems.Prepend("token budgets exceed the data:"))}");
        return (datasets, stages);
    }

    /// <summary>Rows per dataset for a stage of <paramref name="samples"/> rows, as the blending sampler will draw them.</summary>
    internal static long[] SplitRows(double[] weights, long samples, long exactLimit = ExactBlendLimit)
    {
        var counts = new long[weights.Length];
        if (samples <= exactLimit)
        {
            for (long k = 0; k < samples; k++) counts[CurriculumSampler.Choose(weights, counts, k)]++;
            return counts;
        }
        // Largest remainder: floor(w·n) each, the leftover rows to the largest fractional parts.
        var assigned = 0L;
        for (var i = 0; i < weights.Length; i++)
        {
            counts[i] = (long)Math.Floor(weights[i] * samples);
            assigned += counts[i];
        }
        foreach (var i in Enumerable.Range(0, weights.Length).OrderByDescending(i => weights[i] * samples - Math.Floor(weights[i] * samples)).Take((int)(samples - assigned)))
            counts[i]++;
        return counts;
    }

    /// <summary>The row stream for this plan (a fresh sampler at position 0; restore a checkpoint's state to resume).</summary>
    public CurriculumSampler CreateSampler() =>
        new(_sources, Stages.Select(s => new SamplerStage(s.Name, s.Samples, s.Weights)).ToList());

    /// <summary>
    /// Held-out rows of one dataset for perplexity: up to <paramref name="maxRows"/> full rows (concatenated, unshuffled,
    /// no padding) from the documents <c>validation_fraction</c> set aside. The same rows every call and every seed;
    /// empty when there is no split or the held-out part is shorter than one row.
    /// </summary>
    public IReadOnlyList<TrainingSample> ValidationSamples(int datasetIndex, int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        if (_validation is not null) return _validation.Take(maxRows).ToList();
        if (Options.ValidationFraction <= 0) return [];
        var options = Options with { Packing = PackingMode.Concat, Shuffle = false };
        ConcatChunkSource source;
        try
        {
            source = new ConcatChunkSource(_opened[datasetIndex], options, Datasets[datasetIndex].Name, datasetIndex, DatasetPart.Validation);
        }
        catch (ArgumentException)
        {
            return []; // held-out part shorter than one row
        }
        var rows = (int)Math.Min(maxRows, source.SamplesPerEpoch);
        return Enumerable.Range(0, rows).Select(i => source.GetSample(i)).ToList();
    }

    /// <summary>The plan as text, for the trainer's preflight output.</summary>
    public string ToText()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"data plan ({Config.Source}): seq_length {Options.SequenceLength}, packing {Options.Packing}, seed {Options.Seed}, {TokenCounts.Format(TotalTokens)} tokens in {TotalSamples:N0} rows");
        if (_summary is not null) sb.Append(_summary);
        if (Options.ValidationFraction > 0 && _validation is null)
            sb.AppendLine(ci, $"  held out for validation: {Options.ValidationFraction:P2} of documents, {TokenCounts.Format(Datasets.Sum(d => d.ValidationTokens))} tokens");
        var nameWidth = Math.Max(8, Stages.Max(s => s.Name.Length));
        var columns = Datasets.Select(d => Math.Max(16, d.Name.Length)).ToArray(); // "461.06K (0.375)" fits
        sb.Append("  stage".PadRight(nameWidth + 2)).Append("   tokens       rows  lr        ");
        for (var i = 0; i < Datasets.Count; i++) sb.Append(Datasets[i].Name.PadLeft(columns[i] + 2));
        sb.AppendLine();
        foreach (var s in Stages)
        {
            sb.Append(("  " + s.Name).PadRight(nameWidth + 2)).Append(TokenCounts.Format(s.Tokens).PadLeft(9))
              .Append(s.Samples.ToString("N0", ci).PadLeft(11)).Append("  ").Append((s.LearningRate?.Schedule ?? "continue").PadRight(10));
            for (var i = 0; i < Datasets.Count; i++)
            {
                var cell = s.SamplesPerDataset[i] == 0 ? "-" : $"{TokenCounts.Format(s.SamplesPerDataset[i] * (double)Options.SequenceLength)} ({s.Weights[i]:0.###})";
                sb.Append(cell.PadLeft(columns[i] + 2));
            }
            sb.AppendLine();
        }
        sb.AppendLine("  dataset          stored   rows/epoch      planned   epochs  max_epochs  path");
        foreach (var d in Datasets)
        {
            sb.Append(("  " + d.Name).PadRight(17)).Append(TokenCounts.Format(d.Tokens).PadLeft(7))
              .Append(d.SamplesPerEpoch.ToString("N0", ci).PadLeft(13)).Append(TokenCounts.Format(d.PlannedTokens).PadLeft(13))
              .Append(d.Epochs.ToString("0.####", ci).PadLeft(9)).Append((double.IsPositiveInfinity(d.MaxEpochs) ? "any" : d.MaxEpochs.ToString("0.##", ci)).PadLeft(12))
              .Append("  ").AppendLine(d.Path);
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        foreach (var d in _opened) d.Dispose();
    }
}
