// A whole `corpus clean` run in-process (the default Japanese pipeline, or --config), without the CLI's progress
// display, reporting where the process's CPU went: run wall and process CPU (user, sys), GC collections per
// generation, total GC pause, bytes allocated, JIT compilation time and methods, and the CPU seconds of every thread
// still alive at the end (read from /proc/self/task, grouped by thread name: ".NET TP Worker" = pipeline workers,
// ".NET Tiered Com" = the tiered JIT's background compiler, ".NET BGC" = background GC, "CleanBench" = main thread).
//   CleanBench INPUT OUTPUT WORKERS [CONFIG.yaml|default] [ROUNDS]
// ROUNDS > 1 repeats the run in the same process: the first round pays the JIT, the later ones show the steady state.
using System.Diagnostics;
using System.Runtime;
using Tsumugi.Corpus.Pipeline;

if (args.Length < 3) { Console.Error.WriteLine("usage: CleanBench INPUT OUTPUT WORKERS [CONFIG.yaml]"); return 2; }
var config = args.Length > 3 && args[3] != "default" ? PipelineConfig.Load(args[3]) : PipelineConfig.Default();
int rounds = args.Length > 4 ? int.Parse(args[4]) : 1;
config.Inputs = [args[0]];
config.Output = args[1];
config.Workers = int.Parse(args[2]);
for (int round = 1; round <= rounds; round++)
{
if (Directory.Exists(config.Output)) Directory.Delete(config.Output, recursive: true);
if (rounds > 1) Console.WriteLine($"== round {round}");

var proc = Process.GetCurrentProcess();
var (user0, sys0) = (proc.UserProcessorTime, proc.PrivilegedProcessorTime);
long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
int[] gc0 = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
var pause0 = GC.GetTotalPauseDuration();
var jit0 = System.Runtime.JitInfo.GetCompilationTime();
long methods0 = System.Runtime.JitInfo.GetCompiledMethodCount();
var sw = Stopwatch.StartNew();
var stats = new PipelineRunner(config).Run();
double wall = sw.Elapsed.TotalSeconds;
proc.Refresh();
double user = (proc.UserProcessorTime - user0).TotalSeconds, sys = (proc.PrivilegedProcessorTime - sys0).TotalSeconds;
double mb = stats.BytesIn / 1e6;
var shardSeconds = Directory.GetFiles(config.Output, "shard-*.done.json").Sum(f => RunStats.FromJson(File.ReadAllText(f)).Seconds);
var gcVars = GC.GetConfigurationVariables();
Console.WriteLine($"gc config: server={GCSettings.IsServerGC} latency={GCSettings.LatencyMode} " +
                  string.Join(" ", new[] { "HeapCount", "ConcurrentGCEnabled", "GCgen0size", "GCConserveMem" }.Where(gcVars.ContainsKey).Select(k => $"{k}={gcVars[k]}")));
Console.WriteLine($"run: {mb:F1} MB, docs in {stats.DocsIn}, kept {stats.DocsKept}; wall {wall:F2} s; sum of shard seconds {shardSeconds:F2}");
Console.WriteLine($"cpu: user {user:F2} + sys {sys:F2} = {user + sys:F2} s ({(user + sys) / mb:F4} s/MB, {(user + sys) / wall:F2} cores)");
Console.WriteLine($"gc: gen0 {GC.CollectionCount(0) - gc0[0]}, gen1 {GC.CollectionCount(1) - gc0[1]}, gen2 {GC.CollectionCount(2) - gc0[2]}; " +
                  $"pause {(GC.GetTotalPauseDuration() - pause0).TotalSeconds:F2} s; allocated {(GC.GetTotalAllocatedBytes(precise: true) - alloc0) / 1e9:F2} GB " +
                  $"({(GC.GetTotalAllocatedBytes(precise: true) - alloc0) / (double)stats.BytesIn:F1} B per input byte)");
Console.WriteLine($"jit: {System.Runtime.JitInfo.GetCompiledMethodCount() - methods0} methods, {(System.Runtime.JitInfo.GetCompilationTime() - jit0).TotalSeconds:F2} s compiling (all threads)");
double tick = 100; // USER_HZ on Linux
var threads = new Dictionary<string, (double User, double Sys, int N)>();
foreach (var dir in Directory.GetDirectories("/proc/self/task"))
{
    string stat;
    try { stat = File.ReadAllText(Path.Combine(dir, "stat")); } catch (IOException) { continue; }
    var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
    var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    var (u, s, n) = threads.GetValueOrDefault(name);
    threads[name] = (u + long.Parse(f[11]) / tick, s + long.Parse(f[12]) / tick, n + 1);
}
Console.WriteLine("threads (CPU s since process start, user+sys): " + string.Join("; ",
    threads.Where(t => t.Value.User + t.Value.Sys >= 0.01).OrderByDescending(t => t.Value.User + t.Value.Sys)
        .Select(t => $"{t.Key} x{t.Value.N} {t.Value.User:F2}+{t.Value.Sys:F2}")));
Console.WriteLine("step seconds: " + string.Join(", ", stats.StepSeconds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value:F3}")));
}
return 0;
