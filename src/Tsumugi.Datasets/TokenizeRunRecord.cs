using System.Text.Json.Serialization;

namespace Tsumugi.Datasets;

/// <summary>
/// A <c>data tokenize</c> run recorded in <c>manifest.json</c> while it writes into the folder: what it still has to write
/// and the command that finishes it. The run removes its record as its last update; a killed run's record stays (the
/// folder is incomplete) until a rerun in the same folder finds the run dead and clears it.
/// </summary>
public sealed record TokenizeRunRecord
{
    /// <summary>Names the run's work folder <c>.tokenize-ID</c> (where it holds its lock).</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The command line that (re)runs it: what to tell a user who finds the folder incomplete.</summary>
    [JsonPropertyName("command")] public required string Command { get; init; }

    /// <summary>Datasets still to be published; null while the run is still tokenizing (the names are not known yet).</summary>
    [JsonPropertyName("pending")] public List<string>? Pending { get; set; }
}
