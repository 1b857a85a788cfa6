using System.Text.Json;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// The fields of a task file that Tsumugi reads, and one warning per file naming every other field, so a file written
/// for llm-jp-eval v2 (answer_extract_pattern, label_list, num_few_shots, …) is not scored differently in silence.
/// </summary>
public static class UnusedTaskFields
{
    /// <summary>Top-level fields <see cref="EvalTaskFile.Load"/> reads.</summary>
    public static readonly IReadOnlySet<string> TopLevel = new HashSet<string> { "name", "instruction", "output_length", "metrics", "few_shots", "samples" };

    /// <summary>What llm-jp-eval v2 does with its newer fields, and what Tsumugi does instead.</summary>
    static readonly Dictionary<string, string> LlmJpEvalV2 = new()
    {
        ["answer_extract_pattern"] = "llm-jp-eval extracts the answer with this regex; Tsumugi scores the first line of the output (up to a blank line for set_f1)",
        ["label_list"] = "llm-jp-eval checks answers against these labels; Tsumugi compares the text as is",
        ["num_few_shots"] = "Tsumugi takes --shots (default 4) from few_shots",
        ["answer_pattern_id"] = "Tsumugi uses its own prompt and answer format",
        ["language"] = "Tsumugi's prompt template is Japanese",
        ["custom_prompt_template"] = "Tsumugi uses its own prompt template",
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
