using System.Globalization;
using System.Text.Json;
using Tsumugi.Corpus.Shards;
using Tsumugi.Orchestration;

namespace Tsumugi.Cli.Stages;

/// <summary>The data half of a pipeline: corpus clean and dedup, a held-out split, tokenizers and tokenized datasets.</summary>
static class DataStages
{
    public static IEnumerable<IStageKind> All()
    {
        yield return new CliStage("corpus-clean", "tsumugi corpus clean: input (files/folders/stages), config (corpus YAML)", c =>
        {
            var inputs = c.Inputs("input", "the raw text: files, folders or globs, or an earlier stage");
            var config = c.ConfigFile("config");
            return new CliStage.Work(
                run => [["corpus", "clean", .. config is null ? Array.Empty<string>() : ["--config", config], "--input", .. inputs, "--output", run.Directory]],
                run =>
                {
                    using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Directory, Corpus.Pipeline.PipelineRunner.SummaryFile)));
                    var s = summary.RootElement;
                    return $"{s.GetProperty("docs_kept").GetInt64():N0} of {s.GetProperty("docs_in").GetInt64():N0} documents kept ({s.GetProperty("chars_kept").GetInt64():N0} characters), " +
                           $"{s.GetProperty("bytes_in").GetInt64() / 1e6 / s.GetProperty("seconds").GetDouble():F1} MB/s, books balance: {s.GetProperty("balanced").GetBoolean()}";
                }) { Size = CliStage.Bytes(inputs) };
        });
        yield return new CliStage("corpus-dedup", "tsumugi corpus dedup: input (a corpus-clean stage or folder)", c =>
        {
            var input = c.Input("input", "the cleaned shards: a corpus-clean stage or folder");
            return new CliStage.Work(run => [["corpus", "dedup", "--input", input, "--output", run.Directory]],
                run => $"{Documents(run.Directory):N0} documents after deduplication") { Size = CliStage.Bytes(input) };
        });
        yield return new HoldoutStage();
        yield return new CliStage("tokenizer-train", "tsumugi tokenizer train: input, vocab_size (default 32000)", c =>
        {
            var input = c.Input("input", "training text: a stage (e.g. split/train.jsonl) or files");
            var vocab = c.Settings.Int("vocab_size", 32000, min: 300);
            return new CliStage.Work(run => [["tokenizer", "train", "--input", input, "--vocab-size", vocab.ToString(CultureInfo.InvariantCulture), "--output", run.Directory]],
                _ => $"{vocab:N0} pieces") { Size = CliStage.Bytes(input) };
        });
        yield return new CliStage("tokenizer-merge", "tsumugi tokenizer merge: tokenizers (list, priority order), input (mixed text), vocab_size", c =>
        {
            var tokenizers = c.Inputs("tokenizers", "the tokenizers to merge, in priority order");
            var input = c.Input("input", "mixed text to re-estimate the scores");
            var vocab = c.Settings.Int("vocab_size", 0);
            return new CliStage.Work(run => [["tokenizer", "merge", "--tokenizer", .. tokenizers, "--input", input, "--vocab-size", vocab.ToString(CultureInfo.InvariantCulture), "--output", run.Directory]],
                _ => $"{tokenizers.Count} tokenizers merged") { Size = CliStage.Bytes(input) };
        });
        yield return new CliStage("tokenizer-extend", "tsumugi tokenizer extend: tokenizer (base), input (new-domain text), add (pieces)", c =>
        {
            var tokenizer = c.Input("tokenizer", "the base tokenizer");
            var input = c.Input("input", "new-domain text");
            var add = c.Settings.Int("add", 0, min: 1);
            return new CliStage.Work(run => [["tokenizer", "extend", "--tokenizer", tokenizer, "--input", input, "--add", add.ToString(CultureInfo.InvariantCulture), "--output", run.Directory]],
                _ => $"{add:N0} pieces added") { Size = CliStage.Bytes(input) };
        });
        yield return new CliStage("data-tokenize", "tsumugi data tokenize: input (corpus stage or files), tokenizer", c =>
        {
            var input = c.Input("input", "the documents: a corpus stage or files");
            var tokenizer = c.Input("tokenizer", "a tokenizer stage or directory");
            return new CliStage.Work(run => [["data", "tokenize", "--input", input, "--tokenizer", tokenizer, "--output", run.Directory]],
                run => string.Join(", ", Datasets.DatasetManifest.Load(run.Directory).Datasets.Select(d => $"{d.Name} {d.Tokens:N0} tokens ({d.Documents:N0} docs)")))
            { Size = CliStage.Bytes(input) };
        });
    }

    public static long Documents(string shards) => ShardRecords.Files(shards).Sum(f => ShardRecords.Read(f).LongCount());

    /// <summary>
    /// holdout: every Nth document of a corpus stage goes to heldout.jsonl, the rest to train.jsonl (text + domain) —
    /// held-out text for tokenizer and perplexity checks that no stage after it trains on.
    /// </summary>
    sealed class HoldoutStage : IStageKind
    {
        public string Name => "holdout";
        public string Help => "split a corpus stage: every Nth document (every: 10) to heldout.jsonl, the rest to train.jsonl";

        public StagePlan Prepare(StageContext c)
        {
            var input = c.Input("input", "the documents: a corpus-clean or corpus-dedup stage");
            var every = c.Settings.Int("every", 10, min: 2);
            return new StagePlan
            {
                Work = CliStage.Bytes(input),
                Run = run =>
                {
                    long kept = 0, held = 0;
                    using var train = new StreamWriter(Path.Combine(run.Directory, "train.jsonl"));
                    using var heldOut = new StreamWriter(Path.Combine(run.Directory, "heldout.jsonl"));
                    long n = 0;
                    foreach (var file in ShardRecords.Files(input))
                        foreach (var record in ShardRecords.Read(file))
                        {
                            var line = JsonSerializer.Serialize(new { text = record.Text, domain = record.Domain });
                            if (n++ % every == every - 1) { heldOut.WriteLine(line); held++; }
                            else { train.WriteLine(line); kept++; }
                        }
                    return $"{kept:N0} training documents, {held:N0} held out (every {every}th)";
                },
            };
        }
    }
}
