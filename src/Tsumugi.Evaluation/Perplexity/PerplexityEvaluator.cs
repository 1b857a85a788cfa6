using System.Text;
using Tsumugi.Evaluation.Scoring;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Perplexity;

/// <summary>
/// Perplexity and bits per character/byte of documents, per domain. Each document is encoded as BOS + text (no EOS),
/// split into <see cref="SlidingWindows"/> and scored in right-padded batches (<see cref="BatchScorer"/>); a document
/// that encodes to BOS alone (empty text) has nothing to score and is counted as skipped.
/// </summary>
public static class PerplexityEvaluator
{
    public static PerplexityResult Evaluate(PretrainedModel model, IEnumerable<EvalDocument> documents, PerplexityOptions options,
        Action<int>? onDocumentsDone = null)
    {
        var scores = new List<DocumentScore>();
        int skipped = 0;
        foreach (var chunk in documents.Chunk(options.DocumentsPerChunk))
        {
            var encoded = chunk.Select(d => model.Encode(d.Text)).ToArray();
            var windows = encoded.Select(ids => SlidingWindows.Split(ids, options.Context, options.Stride).ToList()).ToArray();
            var flat = windows.SelectMany(w => w).ToList();
            var logProbs = BatchScorer.Score(model.Model, flat, options.BatchSize);
            int next = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                var doc = chunk[i];
                var mine = logProbs[next..(next + windows[i].Count)];
                next += windows[i].Count;
                if (mine.Length == 0) { skipped++; continue; }
                scores.Add(new DocumentScore(doc.Source, doc.Domain, mine.Sum(w => w.Length), doc.Text.EnumerateRunes().Count(),
                    Encoding.UTF8.GetByteCount(doc.Text), mine.Length, -mine.Sum(w => w.Sum())));
            }
            onDocumentsDone?.Invoke(chunk.Length);
        }
        var domains = scores.GroupBy(s => s.Domain, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Select(s => new DomainPerplexity(g.Key, 1, s.Tokens, s.Characters, s.Bytes, s.NllNats)).Aggregate((a, b) => a.Add(b)))
            .ToList();
        if (domains.Count > 1 && domains.All(d => d.Domain != "all"))
            domains.Add(domains.Aggregate((a, b) => a.Add(b)) with { Domain = "all" });
        return new PerplexityResult(domains, scores, skipped);
    }
}
