using Tsumugi.Tokenization;
using Tsumugi.Corpus.Reading;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>
/// Tokenizes one shard — a run of consecutive input files — into a temporary dataset per output name, documents in
/// input order. Shards run in parallel; within a shard, documents are encoded in batches over as many threads as the
/// run can spare (all of them when this is the only shard left), so one huge file still uses every core. Ids never
/// depend on the thread count.
/// </summary>
internal sealed class ShardTokenizer(ITokenizer tokenizer, TokenizeOptions options, string tempDirectory)
{
    // A batch is bounded by documents and by characters: enough work to spread over the threads, little memory.
    const int MaxBatchDocuments = 1024;
    const int MaxBatchChars = 1 << 20;

    readonly ReaderOptions _readerOptions = new() { TextField = options.TextField, ParquetColumn = options.TextField };

    /// <param name="index">Position of the shard in the run; names its temporary datasets.</param>
    /// <param name="paths">The shard's input files, in input order.</param>
    /// <param name="threads">Threads this shard may use now (asked again for every batch).</param>
    /// <param name="onBatch">Called with (documents, tokens) after every written batch.</param>
    /// <param name="onFile">Called with each input file's index in <paramref name="paths"/> once it has been read.</param>
    public ShardOutcome Tokenize(int index, IReadOnlyList<string> paths, Func<int> threads, Action<long, long> onBatch, Action<int> onFile)
    {
        var outcome = new ShardOutcome();
        var writers = new Dictionary<string, IndexedDatasetWriter>(StringComparer.Ordinal);
        var texts = new List<string>();
        var names = new List<string>();
        long chars = 0;

        void Flush()
        {
            if (texts.Count == 0) return;
            var n = threads();
            var ids = n > 1 ? tokenizer.EncodeBatch(texts, n) : texts.Select(tokenizer.Encode).ToArray();
            long tokens = 0;
            for (var i = 0; i < ids.Length; i++)
            {
                if (!writers.TryGetValue(names[i], out var writer))
                {
                    var prefix = Path.Combine(tempDirectory, $"{index:D6}.{names[i]}");
                    writers[names[i]] = writer = new IndexedDatasetWriter(prefix, new IndexedDatasetWriterOptions
                    {
                        VocabularySize = tokenizer.VocabSize, EosId = tokenizer.EosId, WriteManifest = false,
                    });
                    outcome.Parts[names[i]] = prefix;
                }
                writer.Add(ids[i]); // the writer appends EOS
                tokens += ids[i].Length + 1;
            }
            outcome.Documents += ids.Length;
            outcome.Tokens += tokens;
            onBatch(ids.Length, tokens);
            texts.Clear();
            names.Clear();
            chars = 0;
        }

        var reader = new CorpusReader(_readerOptions);
        try
        {
            for (var file = 0; file < paths.Count; file++)
            {
                foreach (var item in reader.Read(paths[file]))
                {
                    if (item.Issue is { } issue)
                    {
                        outcome.Add(issue);
                        continue;
                    }
                    var text = item.Document!.Text;
                    var domain = string.IsNullOrWhiteSpace(item.Document.InputDomain) ? null : item.Document.InputDomain; // a shard record's own label
                    // A document with no text would be a lone EOS: nothing to learn, so it is skipped and counted.
                    if (string.IsNullOrWhiteSpace(text))
                    {
                        outcome.Empty++;
                        continue;
                    }
                    if (domain is null) outcome.UnlabelledDocuments = true;
                    else outcome.RecordDomains.Add(DatasetNames.FromDomain(domain));
                    texts.Add(text);
                    names.Add(options.Name ?? DatasetNames.FromDomain(domain ?? options.Domain));
                    chars += text.Length;
                    if (texts.Count >= MaxBatchDocuments || chars >= MaxBatchChars) Flush();
                }
                onFile(file);
            }
            Flush();
            foreach (var writer in writers.Values) writer.Complete();
            return outcome;
        }
        finally
        {
            foreach (var writer in writers.Values) writer.Dispose();
        }
    }
}
