using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;
using Tsumugi.Datasets.Curriculum;

namespace Tsumugi.Training.Provenance;

/// <summary>One dataset of a run's mixture: what it is and how much of it the run planned to read.</summary>
public sealed record TrainingDatasetRecord(string Name, string Domain, string Path, long PlannedTokens, double Epochs);

/// <summary>One curriculum stage: its token budget and each dataset's share of it (weights sum to 1).</summary>
public sealed record TrainingStageRecord(string Name, long Tokens, IReadOnlyDictionary<string, double> Weights);

/// <summary>
/// What produced a model directory's weights, written as <c>training.json</c> beside them when a run finishes: the
/// kind of run, where it started, steps and tokens, the data mixture and the final losses. A run that starts from a
/// model directory carries that directory's record in <see cref="History"/>, so a pretrain → SFT → DPO model keeps
/// its whole lineage — which is what a model card reports as "training data".
/// </summary>
public sealed record TrainingRecord
{
    public const string FileName = "training.json";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary><c>pretrain</c>, <c>sft</c>, <c>dpo</c> (the command), with <c>+lora</c> for adapter runs.</summary>
    public required string Kind { get; init; }
    /// <summary>Where the weights started: <c>preset:NAME</c>, <c>config:PATH</c> or <c>model:PATH</c>.</summary>
    public required string Init { get; init; }
    public long Steps { get; init; }
    public long Tokens { get; init; }
    public double? FinalLoss { get; init; }
    public IReadOnlyDictionary<string, double>? HeldOutLoss { get; init; }
    public IReadOnlyList<TrainingStageRecord> Stages { get; init; } = [];
    public IReadOnlyList<TrainingDatasetRecord> Datasets { get; init; } = [];
    public string? Finished { get; init; }
    /// <summary>The records of the model this run started from, oldest first.</summary>
    public IReadOnlyList<TrainingRecord> History { get; init; } = [];

    /// <summary>The mixture of <paramref name="data"/> (stages, weights, planned tokens per dataset).</summary>
    public static (IReadOnlyList<TrainingStageRecord>, IReadOnlyList<TrainingDatasetRecord>) Mixture(DataPlan data) =>
    (
        data.Stages.Select(s => new TrainingStageRecord(s.Name, s.Tokens,
            data.Datasets.Select((d, i) => (d.Name, Weight: s.Weights[i])).Where(p => p.Weight > 0).ToDictionary(p => p.Name, p => p.Weight))).ToList(),
        data.Datasets.Select(d => new TrainingDatasetRecord(d.Name, d.Domain, d.Path, d.PlannedTokens, d.Epochs)).ToList()
    );

    /// <summary>The record in <paramref name="modelDirectory"/>, or null when it has none (a model from elsewhere).</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a training record.</exception>
    public static TrainingRecord? Read(string? modelDirectory)
    {
        if (modelDirectory is null) return null;
        var path = System.IO.Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<TrainingRecord>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty training record.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a training record ({e.Message}); delete it or rewrite it with `tsumugi train`.");
        }
    }

    /// <summary>This record with the history it started from flattened in front (oldest first).</summary>
    public IReadOnlyList<TrainingRecord> Lineage() => [.. History, this with { History = [] }];

    public void Write(string modelDirectory) =>
        AtomicFile.WriteAllText(System.IO.Path.Combine(modelDirectory, FileName), JsonSerializer.Serialize(this, Json) + "\n");
}
