using System.Text.Json.Nodes;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// What reading the SFT data found (<see cref="RecordReadReport"/>), with the format each file was read as. The
/// engine adds its own rejects (too long after tokenization) through <see cref="Reject(SftExample, string, string)"/>.
/// </summary>
public sealed class SftReadReport : RecordReadReport
{
    private readonly SortedDictionary<string, SftFormat> _formats = new(StringComparer.Ordinal);

    /// <summary>Examples longer than the sequence length that were truncated (set by the packing plan's caller).</summary>
    public long Truncated { get; set; }

    /// <summary>The format each file was read as (detected or configured).</summary>
    public IReadOnlyDictionary<string, SftFormat> Formats => _formats;

    internal void AddFile(string path, SftFormat format) => _formats[path] = format;

    /// <summary>Rejects an example found unusable after reading (e.g. <see cref="SftRejectReason.TooLong"/>).</summary>
    public void Reject(SftExample example, string reason, string detail)
    {
        var messages = new JsonArray(example.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        Reject(new SftReject(example.Location, reason, detail, new JsonObject { ["messages"] = messages }.ToJsonString()));
    }

    public override string Summary() => Summary("SFT data", _formats.Count, Truncated);
}
