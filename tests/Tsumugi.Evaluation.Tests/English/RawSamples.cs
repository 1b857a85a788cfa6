using System.Text.Json;

namespace Tsumugi.Evaluation.Tests.English;

/// <summary>Small raw dataset files in each task's published layout, written into a temporary folder.</summary>
public sealed class RawSamples : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("tsumugi-english-").FullName;

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    public string Jsonl(string name, params object[] records)
    {
        var path = Path(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, records.Select(r => r as string ?? JsonSerializer.Serialize(r)));
        return path;
    }

    public string Text(string name, string content)
    {
        var path = Path(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>hellaswag_{split}.jsonl rows as Rowan Zellers' release has them (label an int; the HF copy has a string).</summary>
    public static object HellaSwag(string activity, string ctxA, string ctxB, string[] endings, object label) =>
        new { ind = 0, activity_label = activity, ctx_a = ctxA, ctx_b = ctxB, ctx = ctxA + " " + ctxB, split = "val", endings, label };

    /// <summary>ARC-V1 jsonl (question {stem, choices [{text, label}]}).</summary>
    public static object ArcV1(string stem, string[] texts, string answerKey) => new
    {
        id = "Mercury_1", question = new { stem, choices = texts.Select((t, i) => new { text = t, label = ((char)('A' + i)).ToString() }).ToArray() }, answerKey,
    };

    /// <summary>The HF datasets ai2_arc layout, exported to jsonl.</summary>
    public static object ArcHf(string question, string[] texts, string[] labels, string answerKey) =>
        new { id = "Mercury_2", question, choices = new { text = texts, label = labels }, answerKey };

    public static object Gsm8k(string question, string answer) => new { question, answer };

    /// <summary>HF trivia_qa rc.nocontext exported to jsonl.</summary>
    public static object TriviaQa(string question, params string[] aliases) => new
    {
        question, question_id = "tc_1", answer = new { aliases, normalized_aliases = aliases.Select(a => a.ToLowerInvariant()).ToArray(), value = aliases[0] },
    };
}
