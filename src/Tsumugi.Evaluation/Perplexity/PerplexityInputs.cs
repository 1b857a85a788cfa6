using Tsumugi.Corpus.Reading;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Evaluation.Perplexity;

/// <summary>
/// Documents for perplexity from files, folders or globs. `.jsonl.zst` corpus shards (what `tsumugi corpus clean`
/// writes) carry a per-record <c>domain</c>; every other format the corpus readers support (.txt/.md one document
/// per file or per blank-line block, .jsonl, .parquet, .html) gets the <c>domain</c> label given here.
/// Problems (unreadable file, corrupt line) are collected in <see cref="Issues"/>, never fatal, so they are counted.
/// </summary>
public sealed class PerplexityInputs(IReadOnlyList<string> inputs, string domain, TextMode textMode)
{
    public List<string> Issues { get; } = [];

    /// <summary>
    /// A folder of corpus shards (the output of `corpus clean`) contributes only its shards, not its plan/summary
    /// JSON or rejected-record shards; anything else expands as the corpus readers expand inputs.
    /// </summary>
    static IEnumerable<string> Files(string input) =>
        Directory.Exists(input) && Directory.EnumerateFiles(input, "*.jsonl.zst", SearchOption.AllDirectories).Any()
            ? ShardRecords.Files(input).Select(Path.GetFullPath)
            : InputFiles.Expand([input], out _);

    public IEnumerable<EvalDocument> Read()
    {
        var files = inputs.SelectMany(Files).Distinct().ToList();
        if (files.Count == 0) throw new FileNotFoundException($"no readable input files in: {string.Join(", ", inputs)}.");
        var reader = new CorpusReader(new ReaderOptions { TxtMode = textMode });
        foreach (var file in files)
        {
            if (file.EndsWith(".jsonl.zst", StringComparison.OrdinalIgnoreCase))
            {
                int index = 0;
                foreach (var record in ShardRecords.Read(file, Issues.Add))
                {
                    index++;
                    yield return new EvalDocument(record.Id.Length > 0 ? record.Id : $"{file}#{index}", record.Domain, record.Text);
                }
                continue;
            }
            foreach (var item in reader.Read(file))
            {
                if (item.Issue is { } issue) Issues.Add(issue.ToString());
                if (item.Document is { } d) yield return new EvalDocument(d.Source.ToString(), domain, d.Text);
            }
        }
    }
}
