using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Evaluation.English;

namespace Tsumugi.Evaluation.Tests.English;

/// <summary>
/// Whole-task prompts against a Python transcription of lm-evaluation-harness v0.4's pipeline run by CPython
/// (/usr/bin/python3): hellaswag/utils.py's process_docs, samplers.py's get_context with random.Random(1234), the
/// n + 1 draw and the drop of the evaluated document. Large enough for CPython's set branch of sample().
/// </summary>
public sealed class HarnessParityTests : IDisposable
{
    readonly RawSamples _raw = new();
    public void Dispose() => _raw.Dispose();

    const string Script = """
        import json, random, re, sys
        # lm_eval/tasks/hellaswag/utils.py
        def preprocess(text):
            text = text.strip()
            text = text.replace(" [title]", ". ")
            text = re.sub("\\[.*?\\]", "", text)
            text = text.replace("  ", " ")
            return text
        def process(doc):
            ctx = doc["ctx_a"] + " " + doc["ctx_b"].capitalize()
            return {"query": preprocess(doc["activity_label"] + ": " + ctx),
                    "choices": [preprocess(e) for e in doc["endings"]], "gold": int(doc["label"])}
        train = [process(json.loads(l)) for l in open(sys.argv[1]) if l.strip()]
        val = [process(json.loads(l)) for l in open(sys.argv[2]) if l.strip()]
        n = int(sys.argv[3])
        rnd = random.Random(1234)
        out = []
        for doc in val:
            # samplers.py get_context: fewshot_split == test_split (both None) → n + 1 draws, drop the doc itself.
            shots = [x for x in rnd.sample(train, n + 1) if x != doc][:n]
            ctx = "".join(s["query"] + " " + s["choices"][s["gold"]] + "\n\n" for s in shots)
            out.append({"context": ctx + doc["query"], "choices": doc["choices"], "gold": doc["gold"]})
        json.dump(out, sys.stdout)
        """;

    [Fact]
    public async Task HellaSwagTenShotPromptsEqualThePythonPipeline()
    {
        var rnd = new Random(7);
        string[] words = ["the", "MAN", "[title]", "Ünïcode", "a", "[step]", "cuts", " ", "onions.", "ÉCOLE", "it's", "  ", "[header]", "runs", "İstanbul", "ΟΔΟΣ", "ΣΑΣ.", "ßig", "ǆungla", "ﬁne", "𐐀x"];
        string Text(int n) => string.Join(" ", Enumerable.Range(0, n).Select(_ => words[rnd.Next(words.Length)]));
        object Doc() => RawSamples.HellaSwag(Text(2), Text(8), Text(4), Enumerable.Range(0, 4).Select(_ => Text(rnd.Next(1, 7))).ToArray(), rnd.Next(4));
        var trainDocs = Enumerable.Range(0, 300).Select(_ => Doc()).ToList();
        var valDocs = Enumerable.Range(0, 40).Select(_ => Doc()).ToList();
        valDocs.Add(trainDocs[5]); // a validation document that is also in train: the harness drops it from its own shots
        var train = _raw.Jsonl("train.jsonl", [.. trainDocs]);
        var val = _raw.Jsonl("val.jsonl", [.. valDocs]);

        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", Script, train, val, "10"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var expected = JsonDocument.Parse(await p.StandardOutput.ReadToEndAsync()).RootElement.EnumerateArray().ToList();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, await stderr);

        var prompts = EnglishPrompts.Build(EnglishTasks.HellaSwag, val, train, new EnglishRunOptions(Shots: 10));
        Assert.Equal(expected.Count, prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("context").GetString(), prompts[i].Context);
            Assert.Equal(expected[i].GetProperty("choices").EnumerateArray().Select(c => c.GetString()), prompts[i].Doc.Choices);
            Assert.Equal(expected[i].GetProperty("gold").GetInt32(), prompts[i].Doc.Gold);
        }
    }

    [Fact]
    public async Task LowerAndCapitalizeEqualCPython()
    {
        string[] texts = ["İstanbul", "ΟΔΟΣ", "ΣΑΣ. ΣΑΣ", "Σ", "ΑΣ'", "ßig", "ǆungla", "ǅ", "ﬁne", "𐐀𐐁x", "HELLO World", "", "éCOLE", "1st PLACE", "ΌΣΟΣ ΣΟΦΟΣ"];
        const string script = """
            import json, sys
            texts = json.load(sys.stdin)
            json.dump([[t.lower(), t.capitalize()] for t in texts], sys.stdout)
            """;
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        using var p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync(JsonSerializer.Serialize(texts));
        p.StandardInput.Close();
        var expected = JsonSerializer.Deserialize<string[][]>(await p.StandardOutput.ReadToEndAsync())!;
        await p.WaitForExitAsync();
        Assert.Equal(0, p.ExitCode);
        Assert.Equal(expected.Select(e => e[0]), texts.Select(PythonCase.Lower));
        Assert.Equal(expected.Select(e => e[1]), texts.Select(PythonCase.Capitalize));
    }
}
