using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tsumugi.Corpus.Reading;
using Tsumugi.Evaluation;
using Tsumugi.Evaluation.Ensemble;
using Tsumugi.Evaluation.Perplexity;
using Tsumugi.Generation;
using Tsumugi.Generation.Ensemble;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval perplexity`: token perplexity and bits per character/byte per domain, sliding window, batched. A BTM
/// ensemble directory (ensemble.json) is scored as the mixture of its experts, with each expert's mean posterior per domain.
/// </summary>
public static partial class EvalCommands
{
    static partial void AddPerplexity(Command group)
    {
        var model = CommonOptions.Model("Model directory, or a BTM ensemble directory (ensemble.json, written by `tsumugi btm`).", helpName: "DIR");
        var input = CommonOptions.Inputs(
            "Text files, folders or globs: .txt/.md/.html/.jsonl/.parquet, or .jsonl.zst corpus shards (their records carry a domain).", helpName: "PATH");
        var output = CommonOptions.OptionalOutput("Write the results (per-domain metrics and per-document scores) to this JSON file.", "FILE.json");
        var domain = new Option<string>("--domain") { Description = "Domain label for inputs that are not corpus shards.", DefaultValueFactory = _ => "all" };
        var split = new Option<string>("--split") { Description = "Documents of .txt/.md files: 'file' (one per file) or 'paragraph' (one per blank-line block).", DefaultValueFactory = _ => "file" };
        var context = new Option<int?>("--context") { Description = "Window length in tokens (default: the model's max_position_embeddings, at most 2048)." };
        var stride = new Option<int?>("--stride") { Description = "New tokens scored per later window; each keeps context − stride tokens of history (default: context / 2)." };
        var batchSize = CommonOptions.BatchSize("Windows per forward pass (right-padded).");
        var device = CommonOptions.Device();
        var adapter = CommonOptions.Adapter();
        var command = new Command("perplexity", "Perplexity, bits per character and bits per UTF-8 byte of text, per domain.")
        {
            model, adapter, input, output, domain, split, context, stride, batchSize, device,
        };
        command.SetAction(parse =>
        {
            var mode = parse.GetValue(split) switch
            {
                "file" => TextMode.File,
                "paragraph" => TextMode.Paragraph,
                var other => throw new ArgumentException($"--split: '{other}' is not file or paragraph."),
            };
            int batch = parse.GetValue(batchSize);
            if (batch < 1) throw new ArgumentException($"--batch-size must be ≥ 1 (got {batch}).");
            var modelDir = parse.GetValue(model)!;
            using var ensemble = EnsembleManifest.IsEnsembleDirectory(modelDir)
                ? ExpertEnsemble.Load(modelDir, new PretrainedModelOptions { Device = new TorchSharp.torch.Device(parse.GetValue(device)!), Adapter = parse.GetValue(adapter) })
                : null;
            using var evalModel = ensemble is null ? LoadForEval(modelDir, parse.GetValue(device)!, parse.GetValue(adapter)) : null;
            int maxContext = ensemble?.ContextLength ?? evalModel!.Model.Config.MaxPositionEmbeddings;
            int window = parse.GetValue(context) ?? Math.Min(maxContext, 2048);
            if (window < 2 || window > maxContext)
                throw new ArgumentException($"--context must be in 2..{maxContext} (the model's max_position_embeddings); got {window}.");
            int step = parse.GetValue(stride) ?? Math.Max(1, window / 2);
            if (step < 1 || step >= window) throw new ArgumentException($"--stride must be in 1..{window - 1} (below --context {window}); got {step}.");

            var inputs = new PerplexityInputs(parse.GetValue(input)!, parse.GetValue(domain)!, mode);
            var options = new PerplexityOptions(window, step, batch);
            var clock = Stopwatch.StartNew();
            PerplexityResult result = null!;
            EnsemblePerplexityResult? mixture = null;
            Progress().Start(ctx =>
            {
                // The input is streamed, so the total is unknown: the bar counts documents.
                var bar = ctx.AddTask("perplexity").IsIndeterminate();
                int documents = 0;
                Action<int> done = n => bar.Description = $"perplexity: {documents += n:N0} documents scored";
                if (ensemble is null) result = PerplexityEvaluator.Evaluate(evalModel!, inputs.Read(), options, done);
                else result = (mixture = EnsemblePerplexityEvaluator.Evaluate(ensemble, inputs.Read(), options, done)).Perplexity;
                bar.IsIndeterminate(false).Value = bar.MaxValue;
            });
            var seconds = clock.Elapsed.TotalSeconds;

            var table = new Table().AddColumns("domain", "docs", "tokens", "chars", "ppl", "bits/char", "bits/byte");
            foreach (var d in result.Domains)
                table.AddRow(Markup.Escape(d.Domain), d.Documents.ToString(), d.Tokens.ToString("N0"), d.Characters.ToString("N0"),
                    d.Perplexity.ToString("F3"), d.BitsPerCharacter.ToString("F4"), d.BitsPerByte.ToString("F4"));
            AnsiConsole.Write(table);
            if (mixture is not null)
            {
                // Which expert the mixture leaned on, per domain: the mean of P(D=j | x_<t) over the scored tokens.
                var posterior = new Table().AddColumn("domain");
                foreach (var name in mixture.Experts) posterior.AddColumn(Markup.Escape($"P({name})"));
                foreach (var (d, mean) in mixture.MeanPosteriorByDomain.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    posterior.AddRow([Markup.Escape(d), .. mean.Select(p => p.ToString("F3"))]);
                CliApp.Info($"mean expert posterior (top_k {ensemble!.TopK} of {ensemble.Experts.Count}):");
                AnsiConsole.Write(posterior);
            }
            long tokens = result.Documents.Sum(d => (long)d.Tokens);
            CliApp.Info($"{result.Documents.Count} documents, {tokens:N0} tokens in {seconds:F1} s ({tokens / Math.Max(seconds, 1e-9):F0} tokens/s); " +
                $"context {window}, stride {step}, batch {batch}; {result.SkippedDocuments} empty documents skipped, {inputs.Issues.Count} read issues.");
            foreach (var issue in inputs.Issues.Take(5)) CliApp.Info($"  {issue}");
            if (result.Documents.Count == 0) throw new InvalidDataException($"no text to score in {string.Join(", ", parse.GetValue(input)!)}.");

            if (parse.GetValue(output) is { } path)
            {
                new EvalSummary("perplexity", ensemble?.Name ?? evalModel!.Name, DateTimeOffset.UtcNow, mixture?.Metrics() ?? result.Metrics()).Write(path, new
                {
                    Inputs = parse.GetValue(input), Context = window, Stride = step, BatchSize = batch, Seconds = seconds,
                    result.Domains, result.SkippedDocuments, ReadIssues = inputs.Issues, result.Documents,
                    Ensemble = mixture is null ? null : new { mixture.Experts, ensemble!.TopK, Prior = ensemble.LogPrior.Select(Math.Exp), MeanPosterior = mixture.MeanPosteriorByDomain },
                });
                CliApp.Info($"Wrote {path}");
            }
            return 0;
        });
        group.Add(command);
    }
}
