using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// What reading the preference data found (<see cref="RecordReadReport"/>: records, kept, rejects by reason with
/// file:line). The engine adds its own rejects (too long, template errors) with <see cref="RecordReadReport.Reject"/>
/// and counts the pairs it cut to the row length in <see cref="Truncated"/>.
/// </summary>
public sealed class PreferenceReadReport : RecordReadReport
{
    private readonly SortedSet<string> _files = new(StringComparer.Ordinal);

    /// <summary>Pairs (or examples) cut to the row length by the encoder; printed by <see cref="Summary"/> when any.</summary>
    public int Truncated { get; set; }

    /// <summary>The data's format, once the reader has resolved it.</summary>
    public PreferenceFormat Format { get; internal set; }

    /// <summary>The files read.</summary>
    public IReadOnlyCollection<string> Files => _files;

    internal void AddFile(string path) => _files.Add(path);

    public override string Summary() => Summary(
        Format == PreferenceFormat.Auto ? "Preference data" : $"Preference data ({Common.Config.YamlSection.SnakeCase(Format.ToString())})",
        _files.Count, Truncated);
}
