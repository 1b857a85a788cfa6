using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// What reading a set of record files (SFT or preference data) found: records read and kept, every rejected record
/// counted by reason with the first few kept as examples, and all of them available for <c>rejects.jsonl</c>. The
/// derived reports add what is particular to their data (formats, truncations) and word the summary.
/// </summary>
public abstract class RecordReadReport
{
    /// <summary>How many rejects of each reason <see cref="Samples"/> keeps.</summary>
    public const int SamplesPerReason = 3;

    private readonly SortedDictionary<string, long> _byReason = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, List<SftReject>> _samples = new(StringComparer.Ordinal);
    private readonly List<SftReject> _rejects = [];

    public long RecordsRead { get; internal set; }
    public long Accepted { get; internal set; }
    public long Rejected => _rejects.Count;
    public int TrainCount { get; internal set; }
    public int ValidationCount { get; internal set; }

    public IReadOnlyDictionary<string, long> RejectedByReason => _byReason;
    public IReadOnlyDictionary<string, List<SftReject>> Samples => _samples;
    public IReadOnlyList<SftReject> Rejects => _rejects;

    public void Reject(SftReject reject)
    {
        _rejects.Add(reject);
        _byReason[reject.Reason] = _byReason.GetValueOrDefault(reject.Reason) + 1;
        var samples = _samples.TryGetValue(reject.Reason, out var list) ? list : _samples[reject.Reason] = [];
        if (samples.Count < SamplesPerReason) samples.Add(reject);
    }

    /// <summary>
    /// Writes every reject as one JSON line <c>{file, line, record, reason, detail, data}</c> (data: the record as read),
    /// atomically; call again after adding rejects, it rewrites the file.
    /// </summary>
    public void WriteRejects(string path)
    {
        var text = new StringBuilder();
        foreach (var r in _rejects)
        {
            JsonNode? data;
            try
            {
                data = JsonNode.Parse(r.RecordJson);
            }
            catch (JsonException)
            {
                data = JsonValue.Create(r.RecordJson); // a malformed line is kept as the text it was
            }
            var line = new JsonObject
            {
                ["file"] = r.Location.File,
                ["line"] = r.Location.Line,
                ["record"] = r.Location.Record,
                ["reason"] = r.Reason,
                ["detail"] = r.Detail,
                ["data"] = data,
            };
            text.Append(line.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })).Append('\n');
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>A few lines for the console and the run log: totals, then each reason with its first examples.</summary>
    public abstract string Summary();

    /// <summary>
    /// The summary's shape shared by every kind of data: "<paramref name="what"/>: totals[, truncated]", then one line
    /// per reject reason followed by its first examples.
    /// </summary>
    protected string Summary(string what, int files, long truncated)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"{what}: {RecordsRead} records in {files} file(s); {Accepted} kept ({TrainCount} train, {ValidationCount} validation), {Rejected} rejected");
        if (truncated > 0) s.Append(CultureInfo.InvariantCulture, $", {truncated} truncated to the sequence length");
        s.Append('\n');
        foreach (var (reason, count) in _byReason)
        {
            s.Append(CultureInfo.InvariantCulture, $"  {reason}: {count}\n");
            foreach (var sample in _samples[reason]) s.Append(CultureInfo.InvariantCulture, $"    {sample.Location}: {sample.Detail}\n");
        }
        return s.ToString();
    }
}
