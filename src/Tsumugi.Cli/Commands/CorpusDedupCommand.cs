using System.CommandLine;
using Spectre.Console;
using Tsumugi.Corpus.Dedup;
using Tsumugi.Corpus.Dedup.Distributed;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi corpus dedup`: one process (<see cref="Deduplicator"/>), or one task of one stage across nodes (<see cref="DistributedDedup"/>).</summary>
public static class CorpusDedupCommand
{
    public static Command Create()
    {
        var input = new Option<string?>("--input") { Description = "Folder written by 'corpus clean' (not needed by --stage buckets or cluster).", HelpName = "DIR" };
        var output = CommonOptions.OptionalOutput("Output folder (same shard names, duplicates removed); for one process and --stage filter.", "DIR");
        var threshold = new Option<double?>("--threshold") { Description = "Target Jaccard similarity; picks bands × rows (≤ 200 hashes)." };
        var bands = new Option<int?>("--bands") { Description = "LSH bands (default 20; Swallow 40)." };
        var rows = new Option<int?>("--rows") { Description = "Rows per band (default 10; Swallow 20)." };
        var newest = new Option<bool>("--keep-newest") { Description = "Keep the last copy in input order instead of the first." };
        var noExact = new Option<bool>("--no-exact") { Description = "Skip exact-hash dedup." };
        var noNear = new Option<bool>("--no-near") { Description = "Skip MinHash near-duplicate dedup." };
        var workers = CommonOptions.Workers("Parallel workers for signatures and rewriting.");
        var memory = new Option<int>("--memory")
        {
            Description = "MB for the hash records (24 bytes per document and band); beyond it they spill to sorted runs on disk in the output (or work) folder.",
            DefaultValueFactory = _ => 1024,
        };
        memory.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--memory: at least 1 (MB)"); });
        var stage = new Option<string?>("--stage")
        {
            Description = "Run one stage across nodes instead of everything in one process: signatures (each task signs its shards), buckets " +
                          "(each task merges its bands' records from every signatures task), cluster (one task: removal list per shard), " +
                          "filter (each task rewrites its shards). Each stage checks the previous one is complete. Keeps exactly what one process keeps.",
            HelpName = "signatures|buckets|cluster|filter",
        };
        stage.AcceptOnlyFromAmong(DedupStages.All);
        var work = new Option<string?>("--work") { Description = "With --stage: the work folder all stages and tasks share (a file system every node sees).", HelpName = "DIR" };
        var shard = CorpusTasks.ShardOption("With --stage: the task of this stage");
        var cmd = new Command("dedup",
            "Global exact + MinHash LSH (char 5-gram) deduplication over all shards, in bounded memory; in one process, or in four stages across " +
            "nodes (--stage, --work, --shard; see docs/corpus.md 'Across nodes').\n" +
            "Example: tsumugi corpus dedup --input out/clean --output out/dedup\n" +
            "Across nodes: tsumugi corpus dedup --stage signatures --work out/dedup-work --input out/clean --shard env  (then buckets, cluster, filter --output out/dedup)")
        {
            input, output, threshold, bands, rows, newest, noExact, noNear, workers, memory, stage, work, shard,
        };
        cmd.SetAction(parse =>
        {
            var t = parse.GetValue(threshold);
            if (t is not null && (parse.GetValue(bands) is not null || parse.GetValue(rows) is not null))
                throw new ArgumentException("--threshold picks bands and rows itself; pass either --threshold or --bands/--rows");
            var d = new MinHashOptions();
            var mh = t is { } th ? MinHashOptions.ForThreshold(th) : new MinHashOptions(parse.GetValue(bands) ?? d.Bands, parse.GetValue(rows) ?? d.Rows);
            var o = new DedupOptions
            {
                MinHash = mh, KeepNewest = parse.GetValue(newest), Exact = !parse.GetValue(noExact), Near = !parse.GetValue(noNear),
                Workers = parse.GetValue(workers) ?? Environment.ProcessorCount,
                MemoryBytes = parse.GetValue(memory) * (1L << 20),
            };
            if (parse.GetValue(stage) is { } name)
            {
                bool settings = t is not null || parse.GetValue(bands) is not null || parse.GetValue(rows) is not null || parse.GetValue(newest) || parse.GetValue(noExact) || parse.GetValue(noNear);
                if (settings && name != DedupStages.Signatures)
                    throw new ArgumentException($"--stage {name}: the dedup settings (--threshold, --bands, --rows, --keep-newest, --no-exact, --no-near) are given to the signatures stage only; later stages read them from WORK/{DedupWork.SettingsFile}");
                return RunStage(name, parse.GetValue(work) ?? throw new ArgumentException("--stage needs --work DIR: the folder the stages share"),
                    parse.GetValue(input), parse.GetValue(output), CorpusTasks.Resolve(parse.GetValue(shard)), o);
            }
            if (parse.GetValue(work) is not null || parse.GetValue(shard) is not null)
                throw new ArgumentException("--work and --shard belong to a distributed run: add --stage signatures|buckets|cluster|filter (see docs/corpus.md)");
            DedupStats s = null!;
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask($"dedup {mh.Bands}x{mh.Rows} (≈ J {mh.ApproximateThreshold:F2})", maxValue: 1);
                s = new Deduplicator(o).Run(Required(parse.GetValue(input), "--input"), Required(parse.GetValue(output), "--output"),
                    new Progress<(int Done, int Total)>(p => { task.MaxValue = p.Total; task.Value = p.Done; }));
                task.Value = task.MaxValue;
            });
            Print(s);
            return 0;
        });
        return cmd;
    }

    static string Required(string? value, string option) => value ?? throw new ArgumentException($"{option} is required (see --help)");

    static int RunStage(string stage, string workDir, string? input, string? output, TaskShard task, DedupOptions options)
    {
        var dedup = new DistributedDedup(new DedupWork(workDir), options);
        DedupStageResult result = null!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var bar = ctx.AddTask($"dedup {stage} task {task}", maxValue: 1);
            var progress = new Progress<(int Done, int Total)>(p => { bar.MaxValue = Math.Max(1, p.Total); bar.Value = p.Done; });
            result = stage switch
            {
                DedupStages.Signatures => dedup.Signatures(Required(input, "--input"), task, progress),
                DedupStages.Buckets => dedup.Buckets(task, progress),
                DedupStages.Cluster => dedup.Cluster(task),
                _ => dedup.Filter(Required(input, "--input"), Required(output, "--output"), task, progress),
            };
            bar.Value = bar.MaxValue;
        });
        CliApp.Info(result.Message);
        if (result.Summary is { } s) Print(s);
        return 0;
    }

    static void Print(DedupStats s)
    {
        var table = new Table().Title("corpus dedup").AddColumns("", "docs");
        table.AddRow("in", $"{s.DocsIn:N0}");
        table.AddRow("exact duplicates", $"{s.ExactDuplicates:N0}");
        table.AddRow("near duplicates", $"{s.NearDuplicates:N0}");
        table.AddRow("kept", $"{s.DocsKept:N0}");
        table.AddRow("clusters (≥ 2 docs)", $"{s.Clusters:N0} (largest {s.LargestCluster})");
        AnsiConsole.Write(table);
        CliApp.Info("cluster sizes: " + string.Join(", ", s.ClusterSizes.Select(c => $"{c.Key}×{c.Value}")) + $"; signatures reused from clean: {s.SignaturesReused:N0}; runs spilled to disk: {s.SpilledRuns} (--memory {s.MemoryLimitBytes >> 20} MB); {s.Seconds:F1} s");
    }
}
