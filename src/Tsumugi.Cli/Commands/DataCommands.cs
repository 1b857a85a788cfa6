using System.CommandLine;
using Spectre.Console;
using Tsumugi.Datasets.Tokenize;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi data tokenize`: a thin wrapper over <see cref="DatasetTokenizer"/> with a progress bar and a summary table.</summary>
public static class DataCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "data";
    internal const string Description =
        "Turn corpus shards into tokenized Megatron datasets (.bin/.idx) for pretraining (see docs/datasets.md).";

    public static Command Create()
    {
        var data = new Command(Name, Description);
        data.Add(Tokenize());
        return data;
    }

    static Command Tokenize()
    {
        var input = CommonOptions.Inputs(
            "Corpus shards (.jsonl.zst from `corpus clean`/`dedup`), JSONL/JSON(.gz/.zst) with a text field, Parquet, " +
            "text or HTML files, folders or globs. A folder holding .jsonl.zst shards is read as a corpus output (shards only).", helpName: "PATH");
        var tokenizer = CommonOptions.Tokenizer("Tokenizer directory (tokenizer.model, else a SentencePiece or byte-level BPE tokenizer.json, e.g. a Llama 3 or Qwen2 model's), a .model file or a tokenizer.json.", "DIR");
        var output = CommonOptions.Output("Output folder for NAME.bin / NAME.idx and manifest.json (created; datasets of the same name are replaced).", "DIR");
        var name = new Option<string?>("--name") { Description = "Write every document into one dataset NAME.bin/NAME.idx (default: one dataset per domain, named after it).", HelpName = "NAME" };
        var domain = new Option<string?>("--domain") { Description = "Domain of documents whose record has no `domain` field (default: 'default'); with --name, the domain recorded in manifest.json.", HelpName = "DOMAIN" };
        var threads = CommonOptions.Threads("Worker threads (files in parallel, a large file in parallel batches); the output is byte-identical for any value.", "N");
        var shard = CorpusTasks.ShardOption("Tokenize only this task's shards of the input (shards k with k % N == i) into OUTPUT/.tasks/parts; the task that finds all N finished merges them into the datasets, byte-identical to one process");
        var textField = new Option<string>("--text-field") { Description = "JSON field (and Parquet column) holding the text.", DefaultValueFactory = _ => "text", HelpName = "FIELD" };
        var cmd = new Command("tokenize",
            "Tokenize documents into Megatron indexed datasets (NAME.bin/NAME.idx, readable by Megatron-LM): one sequence per document " +
            "with EOS appended, uint16 ids below 65,500 pieces else int32, plus manifest.json (tokens, documents, tokenizer hash, domain; " +
            "marked complete by the run's last write — training refuses a folder a stopped run left, and a rerun finishes it). " +
            "Corrupt records and empty documents are skipped and counted.\n" +
            "Example: tsumugi data tokenize --input out/corpus/dedup --tokenizer out/tokenizer --output out/data")
        {
            input, tokenizer, output, name, domain, threads, textField, shard,
        };
        cmd.SetAction(parse =>
        {
            var options = new TokenizeOptions
            {
                Inputs = parse.GetValue(input)!, Tokenizer = parse.GetValue(tokenizer)!, Output = parse.GetValue(output)!,
                Name = parse.GetValue(name), Domain = parse.GetValue(domain), Threads = parse.GetValue(threads), TextField = parse.GetValue(textField)!,
                Task = CorpusTasks.Resolve(parse.GetValue(shard)),
            };
            TokenizeResult result = null!;
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("tokenize", maxValue: 1);
                    var progress = new Progress<TokenizeProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.BytesTotal);
                        task.Value = p.BytesDone;
                        task.Description = p.Merging is { } name
                            ? $"merge {Markup.Escape(name)} ({p.PartsMerged} shards), {p.Documents:N0} docs, {p.Tokens:N0} tokens"
                            : $"tokenize {p.FilesDone}/{p.FilesTotal} files, {p.Documents:N0} docs, {p.Tokens:N0} tokens";
                    });
                    result = new DatasetTokenizer(options).Run(progress);
                    task.Value = task.MaxValue;
                });
            if (result.Task is { IsPartial: true } task && !result.TasksMerged)
            {
                CliApp.Info($"task {task}: {result.TaskShards} shard(s) of the plan, {result.Documents:N0} documents, {result.Tokens:N0} tokens written now " +
                            "(0 when the task had finished before)");
                CliApp.Info(result.MissingTasks.Count == 0
                    ? "all tasks have finished; the datasets are merged (or being merged by another task)"
                    : $"still missing: {Tsumugi.Corpus.Tasks.TaskLedger.Describe(result.MissingTasks)} of {task.Count}; the last task to finish merges the datasets into {result.OutputDirectory}; re-submit the same job to run only the missing tasks");
                return 0;
            }
            Print(result);
            if (result.Documents == 0)
                throw new InvalidDataException($"no documents were tokenized from {result.Files} input file(s) ({result.ErroredRecords:N0} unreadable records, " +
                                               $"{result.EmptyDocuments:N0} empty documents); nothing was written — check the input format and --text-field");
            return 0;
        });
        return cmd;
    }

    static void Print(TokenizeResult r)
    {
        var table = new Table().Title("data tokenize").AddColumns("dataset", "domain", "documents", "tokens", "tokens/doc", "dtype");
        foreach (var d in r.Datasets)
            table.AddRow(Markup.Escape(d.Name), Markup.Escape(d.Domain ?? "-"), $"{d.Documents:N0}", $"{d.Tokens:N0}",
                d.Documents == 0 ? "-" : $"{(double)d.Tokens / d.Documents:F1}", d.DType);
        table.AddRow("[bold]total[/]", "", $"[bold]{r.Documents:N0}[/]", $"[bold]{r.Tokens:N0}[/]", r.Documents == 0 ? "-" : $"{(double)r.Tokens / r.Documents:F1}", "");
        table.AddRow("skipped: empty", "", $"{r.EmptyDocuments:N0}", "", "", "");
        table.AddRow("skipped: unreadable", "", $"{r.ErroredRecords:N0}", "", "", "");
        AnsiConsole.Write(table);
        if (r.IssueCounts.Count > 0)
        {
            CliApp.Info("issues: " + string.Join(", ", r.IssueCounts.Select(i => $"{i.Key} {i.Value:N0}")));
            foreach (var issue in r.IssueSamples) CliApp.Info($"  {issue}");
        }
        CliApp.Info($"{r.Files} files ({r.InputBytes / 1e6:F1} MB{(r.FilesSkipped > 0 ? $", {r.FilesSkipped} skipped by extension" : "")}): " +
                    $"{r.Documents:N0} documents, {r.Tokens:N0} tokens; skipped {r.EmptyDocuments:N0} empty, {r.ErroredRecords:N0} unreadable; " +
                    $"{r.Threads} threads, {r.Seconds:F1} s = {r.TokensPerSecond:N0} tokens/s");
        if (r.LeftoversRemoved > 0) CliApp.Info($"removed {r.LeftoversRemoved} leftover(s) of an earlier run that was stopped (work folder, *.tmp)");
        CliApp.Info($"wrote {r.Datasets.Count} dataset(s) and manifest.json (marked complete) to {r.OutputDirectory}");
        CliApp.Info($"tokenizer {r.TokenizerHash}");
    }
}
