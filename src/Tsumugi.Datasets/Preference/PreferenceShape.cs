using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// Decides a file's shape from its first record: paired or unpaired, and for paired data whether the prompt is a column
/// (explicit) or what chosen and rejected begin with (implicit). A missing column there is a configuration mistake, so
/// it stops the run before training with the fix in the message; so does a file whose shape differs from the first
/// file's, since one run trains one kind of data.
/// </summary>
internal static class PreferenceShape
{
    /// <summary>A file's shape: its format and, for paired data, whether records carry the prompt.</summary>
    public readonly record struct FileShape(PreferenceFormat Format, bool ExplicitPrompt, string File);

    /// <param name="configured">data.format (auto or not).</param>
    /// <param name="first">The shape of the first file read, if any: a later file must have the same format.</param>
    public static FileShape Resolve(PreferenceFormat configured, PreferenceColumns columns, SftRawRecord record, FileShape? first)
    {
        var fields = record.Element.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var detected = configured != PreferenceFormat.Auto ? configured : Detect(fields, columns, record.Location);
        if (first is { } earlier && earlier.Format != detected)
            throw new PreferenceDataException($"{record.Location}: holds {Describe(detected, columns)} records, but {earlier.File} holds {Describe(earlier.Format, columns)} ones; " +
                "one run trains one kind: give these files their own run (KTO also trains paired data directly, as chosen → desirable and rejected → undesirable)");
        foreach (var (key, name) in RequiredColumns(detected, columns))
            if (!fields.Contains(name))
                throw new PreferenceDataException($"{record.Location}: no column '{name}' (columns: {string.Join(", ", fields)}); set columns.{key}"
                    + (configured == PreferenceFormat.Auto ? $" (format detected as {Snake(detected)}; set format: if that is wrong)" : ""));
        var explicitPrompt = detected == PreferenceFormat.Unpaired || fields.Contains(columns.PromptName);
        return new FileShape(detected, explicitPrompt, record.Location.File);
    }

    /// <summary>The fields whose presence marks a record (a JSON object holding one of them is a record, not a list).</summary>
    public static ISet<string> RecordFields(PreferenceColumns c) =>
        new HashSet<string>([c.PromptName, c.ChosenName, c.RejectedName, c.CompletionName, c.LabelName], StringComparer.Ordinal);

    private static PreferenceFormat Detect(HashSet<string> fields, PreferenceColumns c, SftLocation where)
    {
        if (fields.Contains(c.ChosenName) || fields.Contains(c.RejectedName)) return PreferenceFormat.Paired;
        if (fields.Contains(c.CompletionName) || fields.Contains(c.LabelName)) return PreferenceFormat.Unpaired;
        throw new PreferenceDataException($"{where}: cannot tell the preference format from the fields ({string.Join(", ", fields)}); expected " +
            $"'{c.ChosenName}' + '{c.RejectedName}' (paired, with an optional '{c.PromptName}') or '{c.PromptName}' + '{c.CompletionName}' + '{c.LabelName}' (unpaired); " +
            "set columns: to name the fields, and format: (paired, unpaired) if needed");
    }

    /// <summary>(config key, field name) of each column the format needs, plus a prompt column mapped explicitly.</summary>
    private static IEnumerable<(string Key, string Name)> RequiredColumns(PreferenceFormat format, PreferenceColumns c)
    {
        switch (format)
        {
            case PreferenceFormat.Paired:
                if (c.Prompt is not null) yield return ("prompt", c.PromptName);
                yield return ("chosen", c.ChosenName);
                yield return ("rejected", c.RejectedName);
                break;
            case PreferenceFormat.Unpaired:
                yield return ("prompt", c.PromptName);
                yield return ("completion", c.CompletionName);
                yield return ("label", c.LabelName);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "resolve auto first");
        }
    }

    private static string Describe(PreferenceFormat format, PreferenceColumns c) => format == PreferenceFormat.Paired
        ? $"paired ({c.ChosenName}, {c.RejectedName})"
        : $"unpaired ({c.PromptName}, {c.CompletionName}, {c.LabelName})";

    public static string Snake(PreferenceFormat format) => Common.Config.YamlSection.SnakeCase(format.ToString());
}
