// The filter chain on in-memory documents, the way bench/corpus/hojichar_chain.py times HojiChar: documents are
// parsed before the clock starts, the clock covers only the steps, and the keep/reject decision of every document is
// written for the agreement check.
//   ChainBench CONFIG.yaml INPUT.jsonl DECISIONS.tsv WORKERS [ROUNDS]
// Prints the thread CPU time of each step (an extra, separately instrumented round: on a shared machine wall time per
// step is mostly other processes' time) and, on the last line, "wall_s cpu_s" of the median timed round.
using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Corpus;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Steps;

if (args.Length < 4) { Console.Error.WriteLine("usage: ChainBench CONFIG.yaml INPUT.jsonl DECISIONS.tsv WORKERS [ROUNDS]"); return 2; }
var config = PipelineConfig.Load(args[0]);
var records = File.ReadLines(args[1]).Select(l => JsonDocument.Parse(l).RootElement)
    .Select(r => (Id: r.GetProperty("id").GetString()!, Text: r.GetProperty("text").GetString()!)).ToArray();
int workers = int.Parse(args[3]);
if (Environment.GetEnvironmentVariable("CHAIN_DIAG") == "1") Diag.Print(records);
int rounds = args.Length > 4 ? int.Parse(args[4]) : 1;

// One set of steps per worker (steps keep scratch buffers); warm-up round so JIT and regex compilation are excluded,
// as Python's imports are.
var steps = Enumerable.Range(0, workers).Select(_ => config.BuildSteps()).ToArray();
var stepTicks = new long[steps[0].Count];
string?[] decisions = new string?[records.Length];
var times = new List<(double Wall, double Cpu)>();
for (int round = -1; round <= rounds; round++)
{
    var docs = records.Select((r, i) => new Document { Id = r.Id, Text = r.Text, Source = new DocumentSource("bench", i + 1, 0), InputChars = r.Text.Length }).ToArray();
    Array.Clear(stepTicks);
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    bool profile = round == rounds;  // the extra round: per-step thread CPU time, not timed as a whole
    if (workers == 1 || profile) Run(steps[0], 0, docs.Length, docs, timed: profile);
    else
    {
        int chunk = (docs.Length + workers - 1) / workers;
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() => Run(steps[w], w * chunk, Math.Min(docs.Length, (w + 1) * chunk), docs, timed: false))).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
    }
    double wall = sw.Elapsed.TotalSeconds;
    double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    if (round >= 0 && !profile) times.Add((wall, cpu));
}

void Run(List<IPipelineStep> chain, int from, int to, Document[] docs, bool timed)
{
    for (int i = from; i < to; i++)
    {
        string? reason = null;
        for (int s = 0; s < chain.Count && reason is null; s++)
        {
            long t0 = timed ? ThreadCpu.Nanoseconds() : 0;
            reason = chain[s].Apply(docs[i]);
            if (timed) stepTicks[s] += ThreadCpu.Nanoseconds() - t0;
        }
        decisions[i] = reason is null ? "keep" : "reject";
    }
}

File.WriteAllLines(args[2], records.Select((r, i) => $"{r.Id}\t{decisions[i]}"));
Console.WriteLine("step thread-CPU s: " + string.Join(", ", steps[0].Select((s, i) => $"{s.Name} {stepTicks[i] / 1e9:F3}")));
var median = times.OrderBy(t => t.Wall).ElementAt(times.Count / 2);
Console.WriteLine($"kept {decisions.Count(d => d == "keep")} of {records.Length}");
Console.WriteLine($"{median.Wall:F4} {median.Cpu:F4}");
return 0;
static class Diag
{
    public static void Print((string Id, string Text)[] records)
    {
        var bad = new Dictionary<char, int>();
        int docs = 0;
        foreach (var (_, t) in records)
        {
            bool any = false;
            foreach (char c in t) if (!Tsumugi.Corpus.Normalization.FastNfkc.IsTableChar(c)) { any = true; bad[c] = bad.GetValueOrDefault(c) + 1; }
            if (any) docs++;
        }
        foreach (var (_, t) in records) { Tsumugi.Corpus.Normalization.FastNfkc.Normalize(t); t.Normalize(System.Text.NormalizationForm.FormKC); }  // warm
        var sw = ThreadCpu.Nanoseconds();
        foreach (var (_, t) in records) Tsumugi.Corpus.Normalization.FastNfkc.Normalize(t);
        var all = ThreadCpu.Nanoseconds() - sw;
        sw = ThreadCpu.Nanoseconds();
        long icuChars = 0;
        foreach (var (_, t) in records) if (t.Any(c => !Tsumugi.Corpus.Normalization.FastNfkc.IsTableChar(c))) { icuChars += t.Length; t.Normalize(System.Text.NormalizationForm.FormKC); }
        var icu = ThreadCpu.Nanoseconds() - sw;
        sw = ThreadCpu.Nanoseconds();
        foreach (var (_, t) in records) t.Normalize(System.Text.NormalizationForm.FormKC);
        Console.WriteLine($"ICU Normalize all docs {(ThreadCpu.Nanoseconds() - sw) / 1e9:F3}s, chars {records.Sum(r => (long)r.Text.Length)}");
        Console.WriteLine($"FastNfkc all docs {all / 1e9:F3}s; ICU on the ICU docs ({icuChars} chars) {icu / 1e9:F3}s");
        Console.WriteLine($"docs needing ICU: {docs}; chars: " + string.Join(" ", bad.OrderByDescending(k => k.Value).Take(20).Select(k => $"U+{(int)k.Key:X4}×{k.Value}")));
    }
}

static class ThreadCpu
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out Timespec ts);

    struct Timespec { public long Sec, Nsec; }

    const int ClockThreadCputimeId = 3;

    public static long Nanoseconds() => ClockGetTime(ClockThreadCputimeId, out var t) == 0 ? t.Sec * 1_000_000_000 + t.Nsec : 0;
}
