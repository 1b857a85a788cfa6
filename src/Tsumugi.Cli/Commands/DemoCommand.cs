using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Evaluation;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Evaluation;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi demo`: the pipeline on the sample corpus, ending in a Markdown report. Every stage that exists runs for
/// real through the same commands a user would type; the report lists what ran, what it measured and where the
/// outputs are. Stages still to come (pretraining, evaluation, serving) join as they land.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output") { Description = "Directory for every artefact and the report.", DefaultValueFactory = _ => "demo-output" };
        var corpus = new Option<string?>("--corpus") { Description = "Sample corpus directory with ja/, en/, code/ (default: ../shared/corpus next to the checkout)." };
        var vocab = new Option<int>("--vocab-size") { Description = "Tokenizer vocabulary size.", DefaultValueFactory = _ => 8000 };
        var command = new Command("demo", "Run the pipeline on the sample corpus: clean → dedup → tokenizer → model; writes a report.") { output, corpus, vocab };
        command.SetAction(parse => Run(parse.GetValue(output)!, parse.GetValue(corpus), parse.GetValue(vocab)));
        return command;
    }

    static int Run(string output, string? corpusOption, int vocabSize)
    {
        Directory.CreateDirectory(output);
        var report = new DemoReport();
        var corpus = corpusOption ?? FindSharedCorpus();
        var inputs = new[] { "ja", "en", "code" }.Select(d => Path.Combine(corpus, d)).Where(Directory.Exists).ToArray();
        if (inputs.Length == 0) throw new DirectoryNotFoundException($"{corpus}: no ja/, en/ or code/ folders; pass --corpus DIR.");
        report.Line($"Sample corpus: `{corpus}` ({string.Join(", ", inputs.Select(Path.GetFileName))}).");
        string clean = Path.Combine(output, "corpus", "clean"), dedup = Path.Combine(output, "corpus", "dedup");
        string split = Path.Combine(output, "corpus", "split"), tokenizerDir = Path.Combine(output, "tokenizer");
        string modelDir = Path.Combine(output, "model");

        Stage(report, "corpus clean (configs/corpus-docs.yaml)", () =>
        {
            Cli(["corpus", "clean", "--config", ConfigPath("corpus-docs.yaml"), "--input", .. inputs, "--output", clean]);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(clean, PipelineRunner.SummaryFile)));
            var s = summary.RootElement;
            return $"{s.GetProperty("docs_kept").GetInt64():N0} of {s.GetProperty("docs_in").GetInt64():N0} documents kept " +
                   $"({s.GetProperty("chars_kept").GetInt64():N0} characters), {s.GetProperty("bytes_in").GetInt64() / 1e6 / s.GetProperty("seconds").GetDouble():F1} MB/s, books balance: {s.GetProperty("balanced").GetBoolean()}";
        });
        Stage(report, "corpus dedup (exact + MinHash 20×10)", () =>
        {
            Cli(["corpus", "dedup", "--input", clean, "--output", dedup]);
            return $"{ShardRecords.Files(dedup).Sum(f => ShardRecords.Read(f).Count()):N0} documents after deduplication";
        });
        var heldOut = new Dictionary<string, List<string>>();
        Stage(report, "held-out split (every 10th document)", () =>
        {
            Directory.CreateDirectory(split);
            using var train = new StreamWriter(Path.Combine(split, "train.txt"));
            int n = 0;
            foreach (var file in ShardRecords.Files(dedup))
                foreach (var record in ShardRecords.Read(file))
                {
                    if (n++ % 10 == 9)
                    {
                        if (!heldOut.TryGetValue(record.Domain, out var list)) heldOut[record.Domain] = list = [];
                        list.Add(record.Text);
                    }
                    else train.WriteLine(record.Text);
                }
            return $"{n - heldOut.Values.Sum(l => l.Count):N0} training documents, held out: " +
                   string.Join(", ", heldOut.OrderBy(d => d.Key).Select(d => $"{d.Key} {d.Value.Count}"));
        });
        Stage(report, $"tokenizer train (Unigram, {vocabSize:N0} pieces, byte fallback)", () =>
        {
            Cli(["tokenizer", "train", "--input", Path.Combine(split, "train.txt"), "--vocab-size", vocabSize.ToString(), "--output", tokenizerDir]);
            var tokenizer = SpmTokenizer.Load(Path.Combine(tokenizerDir, "tokenizer.model"));
            var rows = heldOut.OrderBy(d => d.Key).Select(d =>
                TokenizerEvaluator.Evaluate(tokenizer, d.Key, d.Value.SelectMany(t => t.Split('\n')).Where(l => l.Length > 0).ToList()));
            return "held-out characters per token: " + string.Join(", ", rows.Select(r => $"{r.Domain} {r.CharsPerToken:F2} (byte fallback {100 * r.ByteFallbackRate:F2}%)"));
        });
        Stage(report, "model init (tiny preset, vocabulary from the tokenizer)", () =>
        {
            Cli(["model", "init", "--preset", "tiny", "--tokenizer", tokenizerDir, "--output", modelDir]);
            var config = LlamaConfig.Load(modelDir);
            var a = ModelAccounting.For(config);
            return $"{a.TotalParameters:N0} parameters (vocabulary {config.VocabSize:N0}), {a.TrainingFlopsPerToken(config, 256):E2} training FLOPs/token at seq 256";
        });
        Stage(report, "held-out perplexity of the untrained model (Japanese)", () =>
        {
            using var model = HfModelDirectory.Load(modelDir);
            var tokenizer = SpmTokenizer.Load(Path.Combine(modelDir, "tokenizer.model"));
            var texts = heldOut.GetValueOrDefault("ja") ?? heldOut.Values.First();
            double nll = 0, chars = 0;
            int tokens = 0;
            foreach (var text in texts.Take(8))
            {
                var ids = tokenizer.Encode(text).Take(255).Select(i => (long)i).Prepend(tokenizer.BosId).ToArray();
                if (ids.Length < 2) continue;
                var score = SequenceScorer.Score(model, ids);
                nll += score.TotalNll;
                tokens += score.Tokens.Count;
                chars += tokenizer.Decode(ids.Skip(1).Select(i => (int)i).ToList()).Length;
            }
            return $"perplexity {Math.Exp(nll / tokens):F0} over {tokens:N0} tokens, {nll / Math.Log(2) / chars:F2} bits/char " +
                   $"(untrained: ≈ vocabulary size; pretraining arrives with the trainer)";
        });

        var reportPath = Path.Combine(output, "report.md");
        File.WriteAllText(reportPath, report.ToMarkdown());
        AnsiConsole.MarkupLine($"[green]Report:[/] {Markup.Escape(reportPath)}");
        return 0;
    }

    /// <summary>Runs a stage through the CLI itself, so the demo does exactly what the documented commands do.</summary>
    static void Cli(string[] args)
    {
        int code = CliApp.Run(args);
        if (code != 0) throw new InvalidOperationException($"`tsumugi {string.Join(' ', args)}` failed (exit code {code}).");
    }

    static void Stage(DemoReport report, string name, Func<string> run)
    {
        AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(name)}[/]").LeftJustified());
        var sw = Stopwatch.StartNew();
        var result = run();
        report.Stage(name, result, sw.Elapsed);
        AnsiConsole.MarkupLine($"[green]✓[/] {Markup.Escape(result)} [grey]({sw.Elapsed.TotalSeconds:F1} s)[/]");
    }

    static string ConfigPath(string name) => Path.Combine(RepositoryRoot() ?? ".", "configs", name);

    static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Tsumugi.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>../shared/corpus beside the repository root.</summary>
    static string FindSharedCorpus()
    {
        var candidate = RepositoryRoot() is { } root ? Path.GetFullPath(Path.Combine(root, "..", "shared", "corpus")) : null;
        return candidate is not null && Directory.Exists(candidate) ? candidate
            : throw new DirectoryNotFoundException("sample corpus not found at ../shared/corpus; pass --corpus DIR (or fetch one with `tsumugi corpus sample`).");
    }
}
