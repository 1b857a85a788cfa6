namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Decides a file's format from its first record and checks that record has every column the format needs: a missing
/// column there is a configuration mistake, so it stops the run before training with the fix in the message.
/// </summary>
internal static class SftShape
{
    public static SftFormat Resolve(SftFormat configured, SftColumns columns, SftRawRecord first)
    {
        var fields = first.Element.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var format = configured != SftFormat.Auto ? configured : Detect(fields, columns, first.Location);
        foreach (var (key, name) in RequiredColumns(format, columns))
            if (!fields.Contains(name))
                throw new SftDataException($"{first.Location}: no column '{name}' (columns: {string.Join(", ", fields)}); set columns.{key}"
                    + (configured == SftFormat.Auto ? $" (format detected as {Snake(format)}; set format: if that is wrong)" : ""));
        return format;
    }

    /// <summary>The fields whose presence marks a record (a JSON object holding one of them is a record, not a list).</summary>
    public static ISet<string> RecordFields(SftColumns c) =>
        new HashSet<string>([c.MessagesName, c.ConversationsName, c.PromptName, c.InstructionName], StringComparer.Ordinal);

    private static SftFormat Detect(HashSet<string> fields, SftColumns c, SftLocation where)
    {
        if (fields.Contains(c.MessagesName)) return SftFormat.Openai;
        if (fields.Contains(c.ConversationsName)) return SftFormat.Sharegpt;
        if (fields.Contains(c.PromptName) || fields.Contains(c.CompletionName)) return SftFormat.PromptCompletion;
        if (fields.Contains(c.InstructionName) || fields.Contains(c.OutputName)) return SftFormat.Alpaca;
        throw new SftDataException($"{where}: cannot tell the SFT format from the fields ({string.Join(", ", fields)}); expected " +
            $"'{c.MessagesName}', '{c.ConversationsName}', '{c.PromptName}' + '{c.CompletionName}' or '{c.InstructionName}' + '{c.OutputName}'; " +
            "set format: (alpaca, sharegpt, openai, prompt_completion) and columns: to name the fields");
    }

    /// <summary>(config key, field name) of each column the format needs, plus every optional column mapped explicitly.</summary>
    private static IEnumerable<(string Key, string Name)> RequiredColumns(SftFormat format, SftColumns c)
    {
        switch (format)
        {
            case SftFormat.Alpaca:
                yield return ("instruction", c.InstructionName);
                if (c.Input is not null) yield return ("input", c.InputName);
                yield return ("output", c.OutputName);
                break;
            case SftFormat.Sharegpt:
                yield return ("conversations", c.ConversationsName);
                break;
            case SftFormat.Openai:
                yield return ("messages", c.MessagesName);
                break;
            case SftFormat.PromptCompletion:
                yield return ("prompt", c.PromptName);
                yield return ("completion", c.CompletionName);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "resolve auto first");
        }
        if (c.System is not null) yield return ("system", c.SystemName);
    }

    public static string Snake(SftFormat format) => Common.Config.YamlSection.SnakeCase(format.ToString());
}
