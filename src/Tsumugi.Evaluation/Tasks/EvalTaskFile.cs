using System.Text.Json;
using Tsumugi.Evaluation.Metrics;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// Reads and validates a task file. Every error names the file and the JSON path of the field, e.g.
/// <c>tasks/qa.json: samples[3].output missing</c>, so a broken file is fixed in one look.
/// </summary>
public static class EvalTaskFile
{
    public static EvalTask Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: task file not found.", path);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw Error(path, "", "the file must be a JSON object with instruction, output_length, metrics and samples");

        var metrics = Array(path, root, "metrics").Select((m, i) => m.ValueKind == JsonValueKind.String ? m.GetString()!
            : throw Error(path, $"metrics[{i}]", "must be a string")).ToList();
        if (metrics.Count == 0) throw Error(path, "metrics", $"is empty; name at least one of: {string.Join(", ", GenerationMetrics.AllNames)}");
        foreach (var (m, i) in metrics.Select((m, i) => (m, i)))
            if (!GenerationMetrics.IsKnown(m))
                throw Error(path, $"metrics[{i}]", $"unknown metric '{m}'; known: {string.Join(", ", GenerationMetrics.AllNames)}");
        if (metrics.GroupBy(m => m).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Error(path, "metrics", $"lists '{twice.Key}' twice");
        bool multipleChoice = metrics.Any(GenerationMetrics.MultipleChoice.Contains);
        if (multipleChoice && metrics.Any(m => !GenerationMetrics.MultipleChoice.Contains(m)))
            throw Error(path, "metrics", "mixes multiple-choice metrics (acc, acc_norm) with generation metrics; put them in separate task files");

        int outputLength = 0;
        if (root.TryGetProperty("output_length", out var ol))
        {
            if (ol.ValueKind != JsonValueKind.Number || !ol.TryGetInt32(out outputLength) || outputLength < 1)
                throw Error(path, "output_length", "must be a positive integer (the most tokens to generate)");
        }
        else if (!multipleChoice) throw Error(path, "output_length", "missing (the most tokens to generate)");

        var (fewShots, fewShotSource) = FewShots(path, root, multipleChoice);
        var samples = Array(path, root, "samples").Select((e, i) => Example(path, $"samples[{i}]", e, multipleChoice, choicesRequired: true)).ToList();
        if (samples.Count == 0) throw Error(path, "samples", "is empty; a task needs at least one sample");
        if (metrics.FirstOrDefault(m => m is "pearson" or "spearman") is { } correlation)
            foreach (var (sample, i) in samples.Select((x, i) => (x, i)))
                if (PythonText.Float(sample.Output.Normalize(System.Text.NormalizationForm.FormKC)) is null)
                    throw Error(path, $"samples[{i}].output", $"'{sample.Output}' is not a number; {correlation} compares numeric answers");

        var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : TaskName(path);
        var notComputed = metrics.Where(GenerationMetrics.NotComputable.ContainsKey).ToList();
        if (notComputed.Count == metrics.Count)
            throw Error(path, "metrics", $"names only metrics Tsumugi cannot compute ({string.Join("; ", notComputed.Select(m => $"{m}: {GenerationMetrics.NotComputable[m]}"))}); add one it can, e.g. bleu_ja");
        var warnings = notComputed.Select(m => $"{path}: metric {m} is {GenerationMetrics.NotComputable[m]}; it is reported as missing.")
            .Append(UnusedTaskFields.Warning(path, root, multipleChoice)).OfType<string>().ToList();
        return new EvalTask(name, path, String(path, root, "instruction", ""), outputLength, metrics, fewShots, samples)
        {
            Warning = warnings.Count == 0 ? null : string.Join("\n", warnings),
            Language = Language(path, root),
            CustomPromptTemplate = CustomPromptTemplate(path, root),
            AnswerExtractPattern = ExtractPattern(path, root),
            NumFewShots = NumFewShots(path, root),
            LabelList = root.TryGetProperty("label_list", out _) ? Array(path, root, "label_list").Select((l, i) => l.ValueKind == JsonValueKind.String
                ? l.GetString()! : throw Error(path, $"label_list[{i}]", "must be a string")).ToList() : null,
            FewShotSource = fewShotSource,
        };
    }

    /// <summary>
    /// The file's few_shots; without them, llm-jp-eval's (v1.3+) source: the samples of the same-named file in the train
    /// split next to this file's split (<c>&lt;root&gt;/test/x.json</c> → <c>&lt;root&gt;/train/x.json</c>), in file order.
    /// </summary>
    static (List<TaskExample>, string) FewShots(string path, JsonElement root, bool multipleChoice)
    {
        if (root.TryGetProperty("few_shots", out _))
            return (Array(path, root, "few_shots").Select((e, i) => Example(path, $"few_shots[{i}]", e, multipleChoice, choicesRequired: false)).ToList(), "few_shots");
        var split = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var train = Path.Combine(Path.GetDirectoryName(split) ?? split, "train", Path.GetFileName(path));
        if (Path.GetFullPath(train) == Path.GetFullPath(path) || !File.Exists(train)) return ([], "none");
        JsonElement trainRoot;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(train), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            trainRoot = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{train} (few-shot source of {path}): not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
        if (trainRoot.ValueKind != JsonValueKind.Object) throw Error(train, "", "the few-shot source must be a task file with samples");
        return (Array(train, trainRoot, "samples").Select((e, i) => Example(train, $"samples[{i}]", e, multipleChoice, choicesRequired: false)).ToList(), train);
    }

    static string Language(string path, JsonElement root)
    {
        if (!root.TryGetProperty("language", out var value)) return "ja";
        return value.ValueKind == JsonValueKind.String && value.GetString() is "ja" or "en" ? value.GetString()!
            : throw Error(path, "language", $"must be \"ja\" or \"en\" (got {value.GetRawText()})");
    }

    static string? CustomPromptTemplate(string path, JsonElement root)
    {
        if (!root.TryGetProperty("custom_prompt_template", out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw Error(path, "custom_prompt_template", "must be a string with {instruction} and {input}");
        var template = value.GetString()!;
        try { PromptTemplate.Format(template, "", ""); }
        catch (FormatException e) { throw Error(path, "custom_prompt_template", e.Message); }
        if (!template.Contains("{input}")) throw Error(path, "custom_prompt_template", "has no {input}: the sample would never reach the model");
        return template;
    }

    static System.Text.RegularExpressions.Regex ExtractPattern(string path, JsonElement root)
    {
        if (!root.TryGetProperty("answer_extract_pattern", out var value) || value.ValueKind == JsonValueKind.Null
            || value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0) return AnswerPattern.Default; // llm-jp-eval: `pattern or default`
        if (value.ValueKind != JsonValueKind.String) throw Error(path, "answer_extract_pattern", "must be a regular expression string");
        try { return AnswerPattern.Compile(value.GetString()!); }
        catch (ArgumentException e) { throw Error(path, "answer_extract_pattern", $"is not a usable regular expression: {e.Message}"); }
    }

    static int? NumFewShots(string path, JsonElement root)
    {
        if (!root.TryGetProperty("num_few_shots", out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var shots) && shots >= 0 ? shots
            : throw Error(path, "num_few_shots", "must be a non-negative integer");
    }

    /// <summary>The file name without .json: "jemhopqa.json" → "jemhopqa".</summary>
    public static string TaskName(string path) => Path.GetFileNameWithoutExtension(path);

    static TaskExample Example(string path, string where, JsonElement e, bool multipleChoice, bool choicesRequired)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(path, where, "must be an object with input and output");
        var input = String(path, e, "input", where + ".");
        if (!multipleChoice) return new TaskExample(input, String(path, e, "output", where + "."));

        if (!e.TryGetProperty("choices", out _))
        {
            if (choicesRequired) throw Error(path, where + ".choices", "missing (acc/acc_norm tasks score each choice; give a list of strings)");
            return new TaskExample(input, String(path, e, "output", where + "."));
        }
        var choices = Array(path, e, "choices", where + ".").Select((c, i) => c.ValueKind == JsonValueKind.String && c.GetString()!.Length > 0
            ? c.GetString()! : throw Error(path, $"{where}.choices[{i}]", "must be a non-empty string")).ToList();
        if (choices.Count < 2) throw Error(path, where + ".choices", "needs at least two choices");
        if (!e.TryGetProperty("output", out var output)) throw Error(path, where + ".output", "missing (the correct choice's text or 0-based index)");
        int gold = output.ValueKind switch
        {
            JsonValueKind.Number when output.TryGetInt32(out var i) => i,
            JsonValueKind.String when choices.IndexOf(output.GetString()!) is var i and >= 0 => i,
            JsonValueKind.String when int.TryParse(output.GetString(), out var i) => i,
            _ => throw Error(path, where + ".output", $"'{output}' is neither one of the choices nor a choice index"),
        };
        if (gold < 0 || gold >= choices.Count) throw Error(path, where + ".output", $"choice index {gold} is outside 0..{choices.Count - 1}");
        return new TaskExample(input, choices[gold], choices, gold);
    }

    static IEnumerable<JsonElement> Array(string path, JsonElement parent, string field, string prefix = "")
    {
        if (!parent.TryGetProperty(field, out var value)) throw Error(path, prefix + field, "missing");
        if (value.ValueKind != JsonValueKind.Array) throw Error(path, prefix + field, "must be a list");
        return value.EnumerateArray().ToList();
    }

    static string String(string path, JsonElement parent, string field, string prefix)
    {
        if (!parent.TryGetProperty(field, out var value)) throw Error(path, prefix + field, "missing");
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error(path, prefix + field, "must be a string");
    }

    static InvalidDataException Error(string path, string field, string what) =>
        new(field.Length == 0 ? $"{path}: {what}." : $"{path}: {field} {what}.");
}
