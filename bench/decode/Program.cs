// Single-stream greedy decode speed: Tsumugi's native engine (f16 and Q8_0 weights) vs llama.cpp (node-llama-cpp) on
// the same model's GGUF exports (f16 and q8_0), one thread each, alternating rounds, medians.
// Usage (see run.sh, which builds the model and the GGUF files):
//   dotnet bench/decode/bin/Release/net10.0/Tsumugi.Decode.Bench.dll --model DIR --text FILE
//     --gguf f16=M-f16.gguf --gguf q8_0=M-q8_0.gguf [--rounds 5] [--tokens 64] [--contexts 64,1024] [--torch] [--bandwidth GB/s]
// Tsumugi decodes in this process with TokenSampler's engine loop (prefill, then one engine step per token, the
// generator's own sampler); --torch adds the native engine at f32 and the libtorch path (`--engine torch`, f32 and `--dtype float16`) for
// reference. Each llama.cpp round is one node process (llama-cpp.mjs). All get the same prompt ids (BOS + encoded
// corpus text cut to each context length), decode --tokens tokens greedily (EOS ignored) and time tokens 2..N: pure
// decode at that context. Wall and CPU (user + system) milliseconds per token are both reported: under load, CPU
// time is the steadier figure. The bandwidth floor is the weight bytes one token streams ÷ one thread's copy bandwidth
// (measured here like bench/peak unless --bandwidth is given).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tsumugi.Generation;
using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using static TorchSharp.torch;

var modelDir = Arg("--model") ?? throw new ArgumentException("--model DIR is required");
var ggufs = Args("--gguf").Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]); // format=file
int rounds = int.Parse(Arg("--rounds") ?? "5", CultureInfo.InvariantCulture);
int tokens = int.Parse(Arg("--tokens") ?? "64", CultureInfo.InvariantCulture);
int[] contexts = (Arg("--contexts") ?? "64,1024").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
bool withTorch = args.Contains("--torch");
var text = File.ReadAllText(Arg("--text") ?? throw new ArgumentException("--text FILE (prompt text) is required"));

CpuAllocator.Tune();
set_num_threads(1);
double bandwidth = Arg("--bandwidth") is { } b ? double.Parse(b, CultureInfo.InvariantCulture) : Enumerable.Range(0, 3).Max(_ => CopyGBs());
var tokenizer = SpmTokenizer.Load(Path.Combine(modelDir, "tokenizer.model"));
using var llm = HfModelDirectory.Load(modelDir);
llm.eval();
using var llm16 = withTorch ? HfModelDirectory.Load(modelDir, ScalarType.Float16) : null;
var engines = new Dictionary<string, NativeEngine>
{
    ["f16"] = new NativeEngine(llm, WeightFormat.F16),
    ["q8_0"] = new NativeEngine(llm, WeightFormat.Q8_0),
};
if (withTorch) engines["f32"] = new NativeEngine(llm, WeightFormat.F32); // beside torch f32: the CLI's default decoder before and after
int[] ids = [tokenizer.BosId, .. tokenizer.Encode(text)];
if (ids.Length < contexts.Max()) throw new ArgumentException($"--text encodes to {ids.Length} tokens; the longest context needs {contexts.Max()}");
var prompts = contexts.ToDictionary(c => c, c => ids[..c]);

var job = Path.Combine(Path.GetTempPath(), $"tsumugi-decode-{Environment.ProcessId}.json");
var files = ggufs.Values.ToArray();
File.WriteAllText(job, JsonSerializer.Serialize(new { files, prompts = contexts.Select(c => prompts[c]).ToArray(), tokens }));
var script = Path.Combine(SourceDirectory(), "llama-cpp.mjs"); // beside this file: it finds .build/npm relative to itself

// results[decoder][context] = (wall ms/token, CPU ms/token) per round
var results = new Dictionary<string, Dictionary<int, List<(double Wall, double Cpu)>>>();
void Add(string decoder, int context, (double, double) ms) =>
    ((results.TryGetValue(decoder, out var t) ? t : results[decoder] = []).TryGetValue(context, out var l) ? l : results[decoder][context] = []).Add(ms);

Console.Error.WriteLine($"1 thread each; contexts {string.Join(", ", contexts)}; {tokens} new tokens; {rounds} rounds; copy bandwidth {bandwidth:F1} GB/s; load {Load()}");
foreach (var e in engines.Values) Native(e, contexts[0]); // warm-up (JIT, allocator), not recorded
for (int round = 1; round <= rounds; round++)
{
    foreach (var (format, engine) in engines)
        foreach (var c in contexts) Add($"tsumugi native {format}", c, Native(engine, c));
    if (withTorch)
        foreach (var c in contexts)
        {
            Add("tsumugi torch f32", c, Torch(llm, c));
            Add("tsumugi torch f16", c, Torch(llm16!, c));
        }
    foreach (var (file, c, ms) in LlamaCpp()) Add($"llama.cpp {ggufs.First(g => g.Value == file).Key}", c, ms);
    Console.Error.WriteLine($"round {round} (load {Load()}): " + string.Join("; ", results.Select(t => $"{t.Key} " + string.Join(" ", t.Value.Select(c => $"{c.Key}:{c.Value[^1].Wall:F1}ms")))));
}
File.Delete(job);

double Median(IEnumerable<double> v)
{
    var s = v.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}

string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
Console.WriteLine($"Copy bandwidth {bandwidth:F1} GB/s (1 thread); load average {Load()}; medians of {rounds} rounds, ms per token (CPU ms per token).");
Console.WriteLine();
Console.WriteLine("| decoder | " + string.Join(" | ", contexts.Select(c => $"ms/token at {c} (CPU)")) + " | weight MB/token | bandwidth floor ms | floor ÷ time at " + string.Join(" / ", contexts) + " |");
Console.WriteLine("|---|" + string.Concat(contexts.Select(_ => "---|")) + "---|---|---|");
foreach (var (decoder, byContext) in results)
{
    string format = decoder.Split(' ')[^1];
    double? mb = engines.TryGetValue(format, out var eng) ? eng.WeightBytesPerToken / 1e6 : null;
    double? floor = mb / bandwidth; // MB ÷ GB/s = ms
    Console.WriteLine($"| {decoder} | " + string.Join(" | ", contexts.Select(c => $"{F(Median(byContext[c].Select(m => m.Wall)))} ({F(Median(byContext[c].Select(m => m.Cpu)))})"))
        + $" | {(mb is { } m ? m.ToString("F0", CultureInfo.InvariantCulture) : "")} | {(floor is { } f ? F(f) : "")} | "
        + (floor is { } fl ? string.Join(" / ", contexts.Select(c => $"{fl / Median(byContext[c].Select(x => x.Wall)) * 100:F0} %")) : "") + " |");
}
Console.WriteLine();
foreach (var format in engines.Keys)
    if (results.TryGetValue($"llama.cpp {format}", out var anchor))
    {
        var ours = results[$"tsumugi native {format}"];
        Console.WriteLine($"Tsumugi native {format} ÷ llama.cpp {format}, tokens/s (wall; CPU): " + string.Join(", ", contexts.Select(c =>
            $"context {c}: {F(Median(anchor[c].Select(m => m.Wall)) / Median(ours[c].Select(m => m.Wall)))}×; {F(Median(anchor[c].Select(m => m.Cpu)) / Median(ours[c].Select(m => m.Cpu)))}×")));
    }
foreach (var e in engines.Values) e.Dispose();
return 0;

(double, double) Native(NativeEngine engine, int context) => Time(TokenSampler.SampleTokens(engine, llm, prompts[context], Greedy(), stopIds: []));

(double, double) Torch(LlamaForCausalLM model, int context) => Time(TokenSampler.SampleTokens(model, prompts[context], Greedy(), stopIds: []));

SamplingOptions Greedy() => new() { Temperature = 0, MaxNewTokens = tokens };

(double Wall, double Cpu) Time(IEnumerable<int> sampled)
{
    var sw = new Stopwatch();
    var cpu = TimeSpan.Zero;
    int n = 0;
    foreach (var _ in sampled)
    {
        if (++n == 1)
        {
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Start(); // prefill + first token done: time the decode steps only
        }
    }
    sw.Stop();
    return (sw.Elapsed.TotalMilliseconds / (n - 1), (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / (n - 1));
}

IEnumerable<(string File, int Context, (double, double) Ms)> LlamaCpp()
{
    if (files.Length == 0) yield break;
    var psi = new ProcessStartInfo("node", [script, job]) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
    var err = p.StandardError.ReadToEndAsync();
    var output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"node-llama-cpp failed ({p.ExitCode}): {err.Result}");
    foreach (var r in JsonDocument.Parse(output).RootElement.EnumerateArray())
        yield return (r.GetProperty("file").GetString()!, r.GetProperty("context").GetInt32(),
            (r.GetProperty("msPerToken").GetDouble(), r.GetProperty("cpuMsPerToken").GetDouble()));
}

// STREAM-like copy bandwidth, one thread, as bench/peak measures it: bytes read + written per second.
static double CopyGBs()
{
    const int n = 64 << 20;
    var from = GC.AllocateUninitializedArray<float>(n);
    var to = GC.AllocateUninitializedArray<float>(n);
    Array.Fill(from, 1f);
    Array.Fill(to, 0f);
    var clock = Stopwatch.StartNew();
    from.AsSpan().CopyTo(to);
    return 2.0 * n * sizeof(float) / clock.Elapsed.TotalSeconds / 1e9;
}

static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

List<string> Args(string name) => args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToList();
