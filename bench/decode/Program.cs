// Single-stream greedy decode speed, Tsumugi vs llama.cpp (node-llama-cpp), one thread each, alternating rounds.
// Usage (see run.sh, which builds the model and GGUF files):
//   dotnet run -c Release --project bench/decode -- --model DIR --gguf F16.gguf [--gguf F32.gguf] [--rounds 5] [--tokens 64] [--contexts 64,1024]
// Tsumugi decodes in this process with TokenSampler (the generator's own KV-cached loop and sampler); each llama.cpp
// round is one node process (bench/decode/llama-cpp.mjs). Both get the same prompt ids (BOS + encoded corpus text cut
// to each context length), decode --tokens tokens greedily (EOS ignored), and time tokens 2..N, so the prefill and
// the first token are excluded: ms/token is pure decode at that context.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tsumugi.Modeling;
using Tsumugi.Generation;
using Tsumugi.Tokenization.Encoding;
using static TorchSharp.torch;

var model = Arg("--model") ?? throw new ArgumentException("--model DIR is required");
var ggufs = Args("--gguf");
int rounds = int.Parse(Arg("--rounds") ?? "5", CultureInfo.InvariantCulture);
int tokens = int.Parse(Arg("--tokens") ?? "64", CultureInfo.InvariantCulture);
int[] contexts = (Arg("--contexts") ?? "64,1024").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
var text = File.ReadAllText(Arg("--text") ?? throw new ArgumentException("--text FILE (prompt text) is required"));

CpuAllocator.Tune();
set_num_threads(1);
var tokenizer = SpmTokenizer.Load(Path.Combine(model, "tokenizer.model"));
using var llm = HfModelDirectory.Load(model);
using var llm16 = HfModelDirectory.Load(model, ScalarType.Float16); // what `generate --dtype float16` runs
llm.eval();
int[] ids = [tokenizer.BosId, .. tokenizer.Encode(text)];
if (ids.Length < contexts.Max()) throw new ArgumentException($"--text encodes to {ids.Length} tokens; the longest context needs {contexts.Max()}");
var prompts = contexts.ToDictionary(c => c, c => ids[..c]);

var job = Path.Combine(Path.GetTempPath(), $"tsumugi-decode-{Environment.ProcessId}.json");
File.WriteAllText(job, JsonSerializer.Serialize(new { files = ggufs, prompts = contexts.Select(c => prompts[c]).ToArray(), tokens }));
var script = Path.Combine(SourceDirectory(), "llama-cpp.mjs"); // beside this file: it finds .build/npm relative to itself

// results[tool][context] = ms/token per round
var results = new Dictionary<string, Dictionary<int, List<double>>>();
void Add(string tool, int context, double ms) =>
    ((results.TryGetValue(tool, out var t) ? t : results[tool] = []).TryGetValue(context, out var l) ? l : results[tool][context] = []).Add(ms);

Console.Error.WriteLine($"torch threads: {get_num_threads()}; prompt contexts {string.Join(", ", contexts)}; {tokens} new tokens; {rounds} rounds");
Tsumugi(llm, contexts[0]); // warm-up (JIT, allocator), not recorded
Tsumugi(llm16, contexts[0]);
for (int round = 1; round <= rounds; round++)
{
    foreach (var c in contexts) Add("tsumugi f32", c, Tsumugi(llm, c));
    foreach (var c in contexts) Add("tsumugi f16", c, Tsumugi(llm16, c));
    foreach (var (tool, c, ms) in LlamaCpp()) Add(tool, c, ms);
    Console.Error.WriteLine($"round {round}: " + string.Join("; ", results.Select(t => $"{t.Key} " + string.Join(" ", t.Value.Select(c => $"{c.Key}:{c.Value[^1]:F1}ms")))));
}
File.Delete(job);

double Median(IEnumerable<double> v)
{
    var s = v.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}

var ours = Median(results["tsumugi f32"][contexts[0]]);
Console.WriteLine($"| tool | " + string.Join(" | ", contexts.Select(c => $"ms/token at {c}")) + $" | tokens/s at {contexts[0]} | Tsumugi tokens/s ÷ this row |");
Console.WriteLine("|---|" + string.Concat(contexts.Select(_ => "---|")) + "---|---|");
foreach (var (tool, byContext) in results)
{
    var medians = contexts.Select(c => Median(byContext[c])).ToArray();
    Console.WriteLine($"| {tool} | " + string.Join(" | ", medians.Select(m => m.ToString("F2", CultureInfo.InvariantCulture)))
        + $" | {1000 / medians[0]:F1} | {medians[0] / ours:F2}× |");
}
foreach (var precision in new[] { "f16", "f32" })
    if (results.Keys.FirstOrDefault(k => k.StartsWith("llama.cpp") && k.EndsWith(precision)) is { } tool)
        Console.WriteLine($"Tsumugi {precision} ÷ llama.cpp {precision} (tokens/s at {contexts[0]}): "
            + $"{Median(results[tool][contexts[0]]) / Median(results[$"tsumugi {precision}"][contexts[0]]):F2}×");
return 0;

double Tsumugi(LlamaForCausalLM llm, int context)
{
    var options = new SamplingOptions { Temperature = 0, MaxNewTokens = tokens };
    var sw = new Stopwatch();
    int n = 0;
    foreach (var _ in TokenSampler.SampleTokens(llm, prompts[context], options, stopIds: []))
    {
        if (++n == 1) sw.Start(); // prefill + first token done: time the decode steps only
    }
    return sw.Elapsed.TotalMilliseconds / (n - 1);
}

IEnumerable<(string Tool, int Context, double Ms)> LlamaCpp()
{
    if (ggufs.Count == 0) yield break;
    var psi = new ProcessStartInfo("node", [script, job]) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
    var err = p.StandardError.ReadToEndAsync();
    var output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"node-llama-cpp failed ({p.ExitCode}): {err.Result}");
    foreach (var r in JsonDocument.Parse(output).RootElement.EnumerateArray())
        yield return ($"llama.cpp {Path.GetFileNameWithoutExtension(r.GetProperty("file").GetString())}", r.GetProperty("context").GetInt32(), r.GetProperty("msPerToken").GetDouble());
}

static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

List<string> Args(string name) => args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToList();
