using System.Globalization;
using System.Text.Json;
using static Tsumugi.Evaluation.English.RawRecords;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// Reads a task's raw files (as downloaded by the user; nothing is fetched) into <see cref="EnglishDoc"/>s, doing what
/// the harness's YAML and utils.py do to each document. Files stream; a record without a needed field is an
/// <see cref="InvalidDataException"/> naming the task, file, line and field.
/// </summary>
public static class EnglishDatasets
{
    /// <summary>The documents of <paramref name="path"/> (a file; for MMLU a folder or one CSV file, <paramref name="mmluSplit"/> "test" or "dev").</summary>
    public static IEnumerable<EnglishDoc> Read(EnglishTask task, string path, string mmluSplit = "test") => task.Name switch
    {
        "hellaswag" => HellaSwag(task, path),
        "arc_easy" or "arc_challenge" => Arc(task, path),
        "mmlu" => Mmlu(task, path, mmluSplit),
        "gsm8k" => Gsm8k(task, path),
        "triviaqa" => TriviaQa(task, path),
        _ => throw new ArgumentException($"no reader for task '{task.Name}'."),
    };

    static IEnumerable<EnglishDoc> HellaSwag(EnglishTask task, string path)
    {
        foreach (var r in RawRecords.Read(task.Name, path))
        {
            string S(string name) => String(task.Name, r.Value, r.Where, task.Layout, name);
            var endings = Strings(task.Name, r.Value, r.Where, task.Layout, "endings");
            int gold = Label(task, r, endings.Count);
            var choices = endings.Select(HellaSwagText.Preprocess).ToList();
            yield return new EnglishDoc(HellaSwagText.Query(S("activity_label"), S("ctx_a"), S("ctx_b")), choices, gold, [], choices[gold], r.Where);
        }
    }

    /// <summary>HellaSwag's label: an integer, or a string holding one (the HF copy); the test split has none.</summary>
    static int Label(EnglishTask task, Record r, int count)
    {
        var label = Field(task.Name, r, task.Layout + " (the unlabelled test split cannot be scored)", "label");
        int gold = label.ValueKind switch
        {
            JsonValueKind.Number when label.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(label.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => -1,
        };
        if (gold < 0 || gold >= count) throw new InvalidDataException($"{task.Name}: {r.Where}: label {label} is not an index into the {count} endings.");
        return gold;
    }

    static IEnumerable<EnglishDoc> Arc(EnglishTask task, string path)
    {
        foreach (var r in RawRecords.Read(task.Name, path))
        {
            var question = Field(task.Name, r, task.Layout, "question");
            string stem;
            List<string> texts, labels;
            if (question.ValueKind == JsonValueKind.Object)
            {
                // Allen AI's ARC-V1 jsonl: question {stem, choices [{text, label}]}.
                stem = String(task.Name, question, r.Where, task.Layout, "stem");
                var choices = Field(task.Name, question, r.Where, task.Layout, "choices");
                if (choices.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{task.Name}: {r.Where}: field 'question.choices' must be a list; expected {task.Layout}.");
                texts = choices.EnumerateArray().Select(c => String(task.Name, c, r.Where, task.Layout, "text")).ToList();
                labels = choices.EnumerateArray().Select(c => String(task.Name, c, r.Where, task.Layout, "label")).ToList();
            }
            else
            {
                // The HF datasets layout: question string, choices {text: [...], label: [...]}.
                stem = String(task.Name, r.Value, r.Where, task.Layout, "question");
                var choices = Field(task.Name, r, task.Layout, "choices");
                texts = Strings(task.Name, choices, r.Where, task.Layout, "text");
                labels = Strings(task.Name, choices, r.Where, task.Layout, "label");
            }
            var key = String(task.Name, r.Value, r.Where, task.Layout, "answerKey");
            int gold = labels.IndexOf(key); // doc_to_target: choices.label.index(answerKey)
            if (gold < 0 || texts.Count != labels.Count)
                throw new InvalidDataException($"{task.Name}: {r.Where}: answerKey '{key}' is not one of the choice labels [{string.Join(", ", labels)}].");
            yield return new EnglishDoc($"Question: {stem}\nAnswer:", texts, gold, [], texts[gold], r.Where);
        }
    }

    static readonly string[] Letters = ["A", "B", "C", "D"];

    static IEnumerable<EnglishDoc> Mmlu(EnglishTask task, string path, string split)
    {
        foreach (var (subject, file) in MmluFiles(path, split))
            foreach (var (fields, line) in CsvRecords.Read(file))
            {
                var where = $"{file}: line {line}";
                if (fields.Count != 6)
                    throw new InvalidDataException($"{task.Name}: {where}: {fields.Count} fields, expected 6 (question,A,B,C,D,answer; no header row).");
                int gold = Array.IndexOf(Letters, fields[5].Trim());
                if (gold < 0) throw new InvalidDataException($"{task.Name}: {where}: answer '{fields[5]}' must be A, B, C or D.");
                // _default_template_yaml: "{{question.strip()}}\nA. {{choices[0]}}\n…\nAnswer:", doc_to_choice ["A", "B", "C", "D"].
                var text = $"{fields[0].Trim()}\nA. {fields[1]}\nB. {fields[2]}\nC. {fields[3]}\nD. {fields[4]}\nAnswer:";
                yield return new EnglishDoc(text, Letters, gold, [], Letters[gold], where) { Subject = subject };
            }
    }

    /// <summary>(subject, file) for every <c>&lt;subject&gt;_&lt;split&gt;.csv</c> under <paramref name="path"/>, by subject.</summary>
    public static IReadOnlyList<(string Subject, string File)> MmluFiles(string path, string split)
    {
        var suffix = $"_{split}.csv";
        IEnumerable<string> files = File.Exists(path) ? [path]
            : Directory.Exists(path) ? Directory.EnumerateFiles(path, "*" + suffix, SearchOption.AllDirectories)
            : throw new FileNotFoundException($"mmlu: {path}: no such folder or file.", path);
        var found = files.Where(f => Path.GetFileName(f).EndsWith(suffix, StringComparison.Ordinal))
            .Select(f => (Subject: Path.GetFileName(f)[..^suffix.Length], File: f)).OrderBy(x => x.Subject, StringComparer.Ordinal).ToList();
        if (found.Count == 0) throw new FileNotFoundException($"mmlu: {path}: no <subject>{suffix} files (MMLU's data/{split}/ folder holds them).");
        return found;
    }

    /// <summary>The harness's per-subject description: "The following are multiple choice questions (with answers) about abstract algebra.\n\n".</summary>
    public static string MmluDescription(string subject) =>
        $"The following are multiple choice questions (with answers) about {subject.Replace('_', ' ')}.\n\n";

    static IEnumerable<EnglishDoc> Gsm8k(EnglishTask task, string path)
    {
        foreach (var r in RawRecords.Read(task.Name, path))
        {
            var question = String(task.Name, r.Value, r.Where, task.Layout, "question");
            var answer = String(task.Name, r.Value, r.Where, task.Layout, "answer");
            yield return new EnglishDoc($"Question: {question}\nAnswer:", [], -1, [answer], answer, r.Where) { TextTarget = true };
        }
    }

    static IEnumerable<EnglishDoc> TriviaQa(EnglishTask task, string path)
    {
        foreach (var r in RawRecords.Read(task.Name, path))
        {
            var question = String(task.Name, r.Value, r.Where, task.Layout, "question", "Question");
            var answer = Field(task.Name, r, task.Layout, "answer", "Answer");
            var aliases = Strings(task.Name, answer, r.Where, task.Layout, "aliases", "Aliases");
            if (aliases.Count == 0) throw new InvalidDataException($"{task.Name}: {r.Where}: answer.aliases is empty; nothing to compare against.");
            yield return new EnglishDoc($"Question: {question}?\nAnswer:", [], -1, aliases, aliases[0], r.Where);
        }
    }
}
