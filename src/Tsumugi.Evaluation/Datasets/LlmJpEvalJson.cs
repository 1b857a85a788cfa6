using System.Text;

namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// Writes an evaluation file byte for byte as llm-jp-eval v1.3 does: <c>json.dump(asdict(output_info), f,
/// ensure_ascii=False, indent=4)</c> (src/llm_jp_eval/jaster/base.py, <c>_save_evaluation_data</c>). Keys in dataclass
/// order (instruction, output_length, metrics, few_shots, samples), four-space indent, <c>", "</c>-free item separators
/// with newlines, <c>": "</c> after keys, non-ASCII written as UTF-8, no newline at the end of the file. The v1.3
/// preprocessors leave few_shots empty: llm-jp-eval takes few-shot examples from the train split at evaluation time.
/// </summary>
public static class LlmJpEvalJson
{
    public static string Render(EvalTaskInfo info, IReadOnlyList<EvalSample> samples)
    {
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append("    \"instruction\": ").Append(Quote(info.Instruction)).Append(",\n");
        sb.Append("    \"output_length\": ").Append(info.OutputLength).Append(",\n");
        sb.Append("    \"metrics\": ");
        AppendList(sb, info.Metrics, "    ", (b, m, _) => b.Append(Quote(m)));
        sb.Append(",\n    \"few_shots\": [],\n");
        sb.Append("    \"samples\": ");
        AppendList(sb, samples, "    ", (b, s, indent) => b
            .Append("{\n").Append(indent).Append("    \"input\": ").Append(Quote(s.Input)).Append(",\n")
            .Append(indent).Append("    \"output\": ").Append(Quote(s.Output)).Append('\n').Append(indent).Append('}'));
        sb.Append("\n}");
        return sb.ToString();
    }

    /// <summary>
    /// Writes <c>&lt;directory&gt;/&lt;split&gt;/&lt;name&gt;.json</c> for train, dev and test; returns the paths. An empty
    /// split is refused before anything is written, as llm-jp-eval's <c>assert saved_output_info.samples != []</c> does.
    /// </summary>
    public static IReadOnlyList<string> WriteSplits(string directory, string name, EvalSplits splits)
    {
        if (EvalSplits.SplitNames.FirstOrDefault(s => splits.Split(s).Count == 0) is { } empty)
            throw new InvalidDataException($"{name}: the {empty} split has no samples (train {splits.Train.Count}, dev {splits.Dev.Count}, test {splits.Test.Count}); " +
                "llm-jp-eval refuses to write an empty split too. Check that --raw holds the complete files.");
        var paths = new List<string>();
        foreach (var split in EvalSplits.SplitNames)
        {
            var path = Path.Combine(directory, split, name + ".json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Render(splits.Info, splits.Split(split)), new UTF8Encoding(false));
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Python's json list layout at one nesting level: "[]" when empty, else one item per line.</summary>
    static void AppendList<T>(StringBuilder sb, IReadOnlyList<T> items, string indent, Action<StringBuilder, T, string> item)
    {
        if (items.Count == 0) { sb.Append("[]"); return; }
        sb.Append("[\n");
        var inner = indent + "    ";
        for (int i = 0; i < items.Count; i++)
        {
            sb.Append(inner);
            item(sb, items[i], inner);
            sb.Append(i + 1 < items.Count ? ",\n" : "\n");
        }
        sb.Append(indent).Append(']');
    }

    /// <summary>Python's <c>encode_basestring</c>: escapes " \ \n \r \t \b \f and other controls as lowercase \u00xx; all else verbatim.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case < ' ': sb.Append("\\u").Append(((int)c).ToString("x4")); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}
