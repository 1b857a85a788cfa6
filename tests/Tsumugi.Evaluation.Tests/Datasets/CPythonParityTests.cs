using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Tsumugi.Evaluation.Datasets;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>
/// <see cref="PythonRandom"/> and <see cref="LlmJpEvalJson"/> against the real CPython (python3, standard library only):
/// shuffles of every length 0-300 under several seeds, and llm-jp-eval's json.dump of files full of awkward strings.
/// </summary>
public sealed class CPythonParityTests
{
    static readonly long[] Seeds = [42, 0, 1, 4294967296L + 5];

    [Fact]
    public void ShuffleEqualsCPythonForEveryLengthUpTo300()
    {
        var expected = JsonSerializer.Deserialize<int[][]>(Python($$"""
            import json, random, sys
            out = []
            for seed in {{JsonSerializer.Serialize(Seeds)}}:
                for n in range(301):
                    random.seed(seed); x = list(range(n)); random.shuffle(x); out.append(x)
            json.dump(out, sys.stdout)
            """, ""))!;
        int k = 0;
        foreach (var seed in Seeds)
            for (int n = 0; n <= 300; n++)
            {
                var items = Enumerable.Range(0, n).ToList();
                new PythonRandom(seed).Shuffle(items);
                Assert.True(expected[k++].SequenceEqual(items), $"seed {seed}, n {n}");
            }
    }

    [Fact]
    public void RenderEqualsCPythonJsonDumpIndent4EnsureAsciiFalse()
    {
        var random = new Random(21);
        const string alphabet = "前提仮説：質問「」\"\\/\n\r\t\b\f\u0000\u0001\u001f\u007f\u0085\u2028\u2029 abcＡ①🍣𠮷é";
        var runes = alphabet.EnumerateRunes().Select(r => r.ToString()).ToArray();
        string Text() => string.Concat(Enumerable.Range(0, random.Next(0, 20)).Select(_ => runes[random.Next(runes.Length)]));
        var info = new EvalTaskInfo(Text() + "指示", 17, ["exact_match", "char_f1"]);
        var samples = Enumerable.Range(0, 40).Select(_ => new EvalSample(Text(), Text())).ToList();

        // The same dict llm-jp-eval's asdict(OutputInfo) gives, dumped the way _save_evaluation_data dumps it.
        var input = JsonSerializer.Serialize(new { info.Instruction, info.OutputLength, info.Metrics, Samples = samples.Select(s => new[] { s.Input, s.Output }) });
        var expected = Python("""
            import json, sys
            d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
            out = {"instruction": d["Instruction"], "output_length": d["OutputLength"], "metrics": d["Metrics"], "few_shots": [],
                   "samples": [{"input": i, "output": o} for i, o in d["Samples"]]}
            sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False, indent=4).encode("utf-8"))
            """, input);
        Assert.Equal(expected, LlmJpEvalJson.Render(info, samples));
    }

    static string Python(string script, string stdin)
    {
        var psi = new ProcessStartInfo("python3", ["-c", script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardInputEncoding = new UTF8Encoding(false),
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, error);
        return output;
    }
}
