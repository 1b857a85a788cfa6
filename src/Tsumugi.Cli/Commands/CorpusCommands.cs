using System.CommandLine;
using Spectre.Console;
using Tsumugi.Common;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Sample;
using Tsumugi.Corpus.Stats;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi corpus clean|dedup|stats|sample`: thin wrappers over Tsumugi.Corpus with progress bars and tables.</summary>
public static class CorpusCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "corpus";
    internal const string Description =
        "Read, clean, route and deduplicate raw text into sharded .jsonl.zst (see docs/corpus.md).";

    public static Command Create()
    {
        var corpus = new Command(Name, Description);
        corpus.Add(Clean());
        corpus.Add(CorpusDedupCommand.Create());
        corpus.Add(StatsCommand());
        corpus.Add(Sample());
        return corpus;
    }

    static Command Clean()
    {
        var config = new Option<string?>("--config") { Description = "YAML pipeline (e.g. configs/corpus-ja.yaml); flags below override it." };
        var input = CommonOptions.Inputs("Input files, folders or globs (.txt .md .html .jsonl[.gz|.zst] .json .parquet, code).", required: false);
        var output = CommonOptions.OptionalOutput("Output folder for shard-NNNNN.jsonl.zst, plan.json and summary.json.");
        var lang = new Option<string?>("--lang") { Description = "Domains to keep when no --config is given: ja (default), en, code, 'ja,en', or all." };
        var workers = CommonOptions.Workers("Parallel workers (default: all cores).");
        var shard = CorpusTasks.ShardOption("Process only shards k with k % N == i");
        var keepRejected = new Option<string?>("--keep-rejected") { Description = "Folder for rejected and unreadable records, with their reason." };
        var split = new Option<bool>("--split-by-domain") { Description = "Write each domain (ja/en/code/math/other) to its own subfolder." };
        var cmd = new Command("clean", "Clean a raw corpus: read, extract, normalise, route, filter, sign (MinHash); resumable and shardable.")
        {
            config, input, output, lang, workers, shard, keepRejected, split,
        };
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(config);
            var c = path is not null ? PipelineConfig.Load(path) : PipelineConfig.Default(parse.GetValue(lang) ?? "ja");
            if (path is not null && parse.GetValue(lang) is not null) throw new ArgumentException("--lang applies to the built-in pipeline only; with --config set keep_domains in the YAML");
            if (parse.GetValue(input) is { Length: > 0 } inputs) c.Inputs = [.. inputs];
            if (parse.GetValue(output) is { } o) c.Output = o;
            if (parse.GetValue(workers) is { } w) c.Workers = w;
            // --shard (i/N or env) wins, then the config's 'shard:', then the launcher's task (Slurm array, mpirun ranks).
            if (parse.GetValue(shard) is { } s || c.ShardCount == 1)
            {
                var task = CorpusTasks.Resolve(parse.GetValue(shard));
                (c.ShardIndex, c.ShardCount) = (task.Index, task.Count);
            }
            if (parse.GetValue(keepRejected) is { } k) c.KeepRejected = k;
            if (parse.GetValue(split)) c.SplitByDomain = true;
            if (c.Inputs.Count == 0) throw new ArgumentException("no input: pass --input PATH... or set 'input:' in the config");
            if (c.Output is null) throw new ArgumentException("no output: pass --output DIR or set 'output:' in the config");
            Directory.CreateDirectory(c.Output);
            if (path is not null) AtomicFile.WriteAllBytes(Path.Combine(c.Output, "pipeline.yaml"), File.ReadAllBytes(path));

            RunStats stats = null!;
            AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("clean", maxValue: 1);
                    var progress = new Progress<RunProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.BytesTotal);
                        task.Value = p.BytesDone;
                        task.Description = $"clean {p.ShardsDone}/{p.ShardsTotal} shards";
                    });
                    stats = new PipelineRunner(c).Run(progress);
                    task.Value = task.MaxValue;
                });
            PrintRun(stats, c.Output);
            if (c.ShardCount > 1) CorpusTasks.PrintLedger(new PipelineRunner(c).Ledger!, $"task {c.ShardIndex}/{c.ShardCount}", Path.Combine(c.Output, PipelineRunner.SummaryFile));
            if (!stats.Balanced) throw new InvalidOperationException($"the books do not balance (in {stats.DocsIn} ≠ kept {stats.DocsKept} + rejected {stats.DocsRejected} + errored {stats.DocsErrored}); please report this with {c.Output}/summary.json");
            return 0;
        });
        return cmd;
    }

    static void PrintRun(RunStats s, string output)
    {
        var table = new Table().Title("corpus clean").AddColumns("", "docs", "chars", "% docs");
        string Pct(long n) => s.DocsIn == 0 ? "-" : $"{100.0 * n / s.DocsIn:F1}";
        table.AddRow("in", $"{s.DocsIn:N0}", $"{s.CharsIn:N0}", "100.0");
        table.AddRow("kept", $"{s.DocsKept:N0}", $"{s.CharsKept:N0} (out {s.CharsOut:N0})", Pct(s.DocsKept));
        foreach (var (step, c) in s.Rejected.OrderByDescending(r => r.Value.Docs))
            table.AddRow(Markup.Escape($"rejected: {step}"), $"{c.Docs:N0}", $"{c.Chars:N0}", Pct(c.Docs));
        table.AddRow("errored", $"{s.DocsErrored:N0}", $"{s.CharsErrored:N0}", Pct(s.DocsErrored));
        AnsiConsole.Write(table);
        var time = new Table().Title("time per step (CPU seconds, all workers)").AddColumns("step", "seconds");
        foreach (var (step, sec) in s.StepSeconds.OrderByDescending(x => x.Value)) time.AddRow(Markup.Escape(step), $"{sec:F2}");
        AnsiConsole.Write(time);
        if (s.FilesSkipped > 0 || s.FilesNotRegular > 0)
            CliApp.Info($"files: {s.FilesRead:N0} read, {s.FilesSkipped:N0} skipped by extension, {s.FilesNotRegular:N0} not regular files (named pipes, sockets, devices) skipped unread");
        if (s.MostlyRejected is { } advice) CliApp.Info("warning: " + advice.Message);
        if (s.Issues.Count > 0)
            CliApp.Info("issues: " + string.Join(", ", s.Issues.Select(i => $"{i.Key} {i.Value}")) + $" (samples in {Path.Combine(output, PipelineRunner.SummaryFile)})");
        CliApp.Info($"domains: {string.Join(", ", s.Domains.Select(d => $"{d.Key} {d.Value}"))}; tiers: {string.Join(", ", s.Tiers.Select(t => $"{t.Key} {t.Value}"))}");
        CliApp.Info($"{s.BytesIn / 1e6:F1} MB in {s.Seconds:F1} s = {s.BytesIn / 1e6 / Math.Max(1e-9, s.Seconds):F1} MB/s; shards done {s.ShardsDone}, skipped (already done) {s.ShardsSkipped}; books balance: {(s.Balanced ? "yes" : "NO")}");
    }

    static Command StatsCommand()
    {
        var dir = new Argument<string>("DIR") { Description = "Folder of .jsonl.zst shards." };
        var cmd = new Command("stats", "Documents, characters, domains, quality tiers and a length histogram of a cleaned corpus.") { dir };
        cmd.SetAction(parse =>
        {
            var s = CorpusStats.Compute(parse.GetValue(dir)!);
            var t = new Table().Title($"{s.Docs:N0} documents, {s.Chars:N0} characters in {s.Files} files").AddColumns("", "docs");
            foreach (var (k, v) in s.Domains) t.AddRow(Markup.Escape($"domain {k}"), $"{v:N0}");
            foreach (var (k, v) in s.Tiers) t.AddRow(Markup.Escape($"quality {k}"), $"{v:N0}");
            AnsiConsole.Write(t);
            if (s.LengthHistogram.Count > 0)  // Spectre's bar chart cannot draw zero bars
            {
                var h = new BarChart().Label("length (chars) histogram").Width(60);
                foreach (var (b, n) in s.LengthHistogram) h.AddItem(b == 0 ? "0" : $"{b}–{2 * b - 1}", n);
                AnsiConsole.Write(h);
            }
            if (s.MalformedLines > 0) CliApp.Info($"malformed lines skipped: {s.MalformedLines}");
            return 0;
        });
        return cmd;
    }

    static Command Sample()
    {
        var output = CommonOptions.Output("Folder to receive ja/ and en/ HTML documentation.");
        var cmd = new Command("sample", "Download Debian's Japanese and English documentation packages as a real sample corpus (needs apt-get and dpkg).") { output };
        cmd.SetAction(parse =>
        {
            var outDir = Path.GetFullPath(parse.GetValue(output)!);
            int files = new DebianDocSample().Download(outDir, CliApp.Info);
            CliApp.Info($"{files} HTML files in {outDir}; next: tsumugi corpus clean --input {outDir}/ja --output out/clean");
            return 0;
        });
        return cmd;
    }
}
