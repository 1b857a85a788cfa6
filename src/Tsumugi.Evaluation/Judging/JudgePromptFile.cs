using System.Text.Json;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Reads a FastChat judge prompt file (judge_prompts.jsonl, judge_ja_prompts.jsonl): one JSON object per line with
/// <c>name</c>, <c>type</c>, <c>system_prompt</c>, <c>prompt_template</c> and optionally <c>output_format</c>
/// (<c>description</c> and <c>category</c> are ignored). Templates it names replace the built-in ones of the same name;
/// the others stay built in. Any malformed line is an <see cref="InvalidDataException"/> naming file:line and field.
/// </summary>
public static class JudgePromptFile
{
    public static IReadOnlyDictionary<string, JudgePromptTemplate> Read(string path)
    {
        var templates = new Dictionary<string, JudgePromptTemplate>(StringComparer.Ordinal);
        foreach (var (root, where) in JsonLinesObjects.Read(path, "judge prompt file", "name, type, system_prompt, prompt_template"))
        {
            string Field(string name, string? fallback = null) =>
                root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : fallback ?? throw new InvalidDataException($"{where}: field '{name}' missing or not a string.");
            var template = new JudgePromptTemplate(Field("name"), Field("type"), Field("system_prompt"), Field("prompt_template"), Field("output_format", ""));
            if (template.Type is not ("single" or "pairwise"))
                throw new InvalidDataException($"{where}: field 'type' is '{template.Type}'; expected 'single' or 'pairwise'.");
            if (!templates.TryAdd(template.Name, template))
                throw new InvalidDataException($"{where}: template name '{template.Name}' repeats; names must be unique.");
        }
        if (templates.Count == 0) throw new InvalidDataException($"{path}: no judge templates (expected one JSON object per line).");
        return templates;
    }
}
