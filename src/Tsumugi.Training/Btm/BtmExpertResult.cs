using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tsumugi.Training.Btm;

/// <summary>
/// What training one expert gave: steps, tokens, final training loss and the held-out loss per domain of its datasets.
/// Written to OUTPUT/experts/NAME/btm_expert.json when the expert finishes; its presence marks the expert as trained,
/// so a rerun skips it (<see cref="Skipped"/>).
/// </summary>
public sealed record BtmExpertResult(
    string Name,
    string ModelDirectory,
    long Steps,
    long Tokens,
    double? FinalLoss,
    IReadOnlyDictionary<string, double> HeldOutLoss,
    double Seconds)
{
    public const string FileName = "btm_expert.json";

    /// <summary>True when this run found the expert already trained and did not train it again.</summary>
    [JsonIgnore]
    public bool Skipped { get; init; }

    /// <summary>False when training stopped early (Ctrl-C); the expert resumes from its checkpoint on the next run.</summary>
    [JsonIgnore]
    public bool Completed { get; init; } = true;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Write(string runDirectory) =>
        Common.AtomicFile.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>The result of a finished expert in <paramref name="runDirectory"/>, or null when it has not finished.</summary>
    public static BtmExpertResult? Read(string runDirectory)
    {
        var file = Path.Combine(runDirectory, FileName);
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize<BtmExpertResult>(File.ReadAllText(file), Json)
                ?? throw new InvalidDataException($"{file}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a valid expert record ({e.Message}); delete it to train the expert again");
        }
    }
}
