using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;

namespace Tsumugi.Orchestration;

/// <summary>
/// OUTPUT/.pipeline/state.json: each stage's state, fingerprint, times and measured work, rewritten atomically at every
/// change so a killed run leaves the last transition on disk (a stage found "running" was interrupted). The dashboard
/// reads it to show the pipeline.
/// </summary>
public sealed class PipelineState
{
    public const string Folder = ".pipeline";
    public const string FileName = "state.json";

    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("config")] public string Config { get; set; } = "";
    [JsonPropertyName("updated")] public DateTimeOffset Updated { get; set; }
    [JsonPropertyName("stages")] public List<StageRecord> Stages { get; set; } = [];

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string PathIn(string output) => Path.Combine(output, Folder, FileName);

    /// <summary>The state of a pipeline output folder, or an empty state when it has none yet.</summary>
    public static PipelineState Load(string output)
    {
        var path = PathIn(output);
        if (!File.Exists(path)) return new PipelineState();
        try { return JsonSerializer.Deserialize<PipelineState>(File.ReadAllText(path), Json) ?? new PipelineState(); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: unreadable pipeline state ({e.Message}); delete it to run every stage again.");
        }
    }

    public void Save(string output)
    {
        Updated = DateTimeOffset.UtcNow;
        Directory.CreateDirectory(Path.Combine(output, Folder));
        AtomicFile.WriteAllText(PathIn(output), JsonSerializer.Serialize(this, Json));
    }

    public StageRecord? Find(string name) => Stages.FirstOrDefault(s => s.Name == name);

    /// <summary>The record of <paramref name="name"/>, added (in pipeline order) when missing.</summary>
    public StageRecord Get(string name, string kind)
    {
        var record = Find(name);
        if (record is null) Stages.Add(record = new StageRecord { Name = name, Kind = kind, Output = name });
        record.Kind = kind;
        return record;
    }
}

/// <summary>One stage in state.json.</summary>
public sealed class StageRecord
{
    public const string Pending = "pending", Running = "running", Done = "done", Failed = "failed", Skipped = "skipped";

    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("state")] public string State { get; set; } = Pending;
    [JsonPropertyName("fingerprint")] public string? Fingerprint { get; set; }
    [JsonPropertyName("started")] public DateTimeOffset? Started { get; set; }
    [JsonPropertyName("finished")] public DateTimeOffset? Finished { get; set; }
    [JsonPropertyName("seconds")] public double? Seconds { get; set; }
    /// <summary>The stage's folder, relative to the pipeline's output.</summary>
    [JsonPropertyName("output")] public string Output { get; set; } = "";
    /// <summary>The summary line of a finished stage, or the error of a failed one.</summary>
    [JsonPropertyName("message")] public string? Message { get; set; }
    /// <summary>How often the current fingerprint's run was interrupted and continued.</summary>
    [JsonPropertyName("resumed")] public int Resumed { get; set; }
    /// <summary>The work of the last finished run (time estimates) and the bytes it left in its folder (disk estimates).</summary>
    [JsonPropertyName("work")] public double? Work { get; set; }
    [JsonPropertyName("work_unit")] public string? WorkUnit { get; set; }
    [JsonPropertyName("bytes")] public long? Bytes { get; set; }
}
