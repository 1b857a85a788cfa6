using System.Text.Json;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// The fields of a task file that Tsumugi reads, and one warning per file naming every other field, so a field Tsumugi
/// does not honour (answer_pattern_id, …) never changes a score in silence.
/// </summary>
public static class UnusedTaskFields
{
    /// <summary>Top-level fields <see cref="EvalTaskFile.Load"/> reads.</summary>
    public static readonly IReadOnlySet<string> TopLevel = new HashSet<string> { "name", "instruction", "output_length", "metrics", "few_shots", "samples",
        "answer_extract_pattern", "custom_prompt_template", "num_few_shots", "label_list", "language" };

    /// <summary>What llm-jp-eval v2 does with its newer fields, and what Tsumugi does instead.</summary>
    static readonly Dictionary<string, string> LlmJpEvalV2 = new()
    {
        ["answer_pattern_id"] = "llm-jp-eval picks a predefined answer format and extraction regex by this id; Tsumugi extracts with answer_extract_pattern (or the default: up to the first blank line)",
    };

    /// <summary>The warning for <paramref name="root"/>'s unused fields, or null when every field is used.</summary>
    public static string? Warning(string path, JsonElement root, bool multipleChoice)
    {
        var unused = root.EnumerateObject().Select(p => p.Name).Where(n => !TopLevel.Contains(n)).Distinct().ToList();
        // Example fields: input/output always, choices only for multiple choice. Listed once per file, as samples[].x.
        var exampleFields = multipleChoice ? new HashSet<string> { "input", "output", "choices" } : ["input", "output"];
        foreach (var list in new[] { "few_shots", "samples" })
        {
            if (!root.TryGetProperty(list, out var items) || items.ValueKind != JsonValueKind.Array) continue;
            unused.AddRange(items.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object)
                .SelectMany(e => e.EnumerateObject().Select(p => p.Name)).Where(n => !exampleFields.Contains(n)).Distinct().Select(n => $"{list}[].{n}"));
        }
        if (unused.Count == 0) return null;
        var named = unused.Select(n => LlmJpEvalV2.TryGetValue(n, out var why) ? $"{n} ({why})" : n);
        return $"{path}: ignoring fields Tsumugi does not use: {string.Join("; ", named)}.";
    }
}
