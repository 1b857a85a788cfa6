using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Evaluation.Scoring;

/// <summary>
/// Log-probabilities of many token rows in right-padded batches (perplexity windows, multiple-choice continuations).
/// Attention is causal, so pad tokens after a row's real tokens cannot change the logits of those tokens; padded
/// positions are simply never read. Rows are sorted by length before batching so a batch pads little, and results
/// come back in request order. Log-probabilities come from <see cref="LlamaForCausalLM.TokenLogProbs"/> (fp32, vocabulary
/// in chunks, so a batch never holds [B, T, V] logits); batched, unbatched and `tsumugi model score` (float64
/// log-softmax) agree to about 1e-5.
/// </summary>
public static class BatchScorer
{
    /// <summary>For each request, the log-probabilities of its tokens from <see cref="ScoreRequest.ScoreFrom"/> on.</summary>
    public static double[][] Score(LlamaForCausalLM model, IReadOnlyList<ScoreRequest> requests, int batchSize, Action<int>? onRowsDone = null)
    {
        if (batchSize < 1) throw new ArgumentException($"batch size must be ≥ 1 (got {batchSize}).");
        foreach (var (r, i) in requests.Select((r, i) => (r, i)))
            if (r.ScoreFrom < 1 || r.ScoreFrom > r.Ids.Length)
                throw new ArgumentException($"score request {i}: score_from {r.ScoreFrom} must be in 1..{r.Ids.Length} (position 0 has no context).");
        var device = model.parameters().First().device;
        var results = new double[requests.Count][];
        var order = Enumerable.Range(0, requests.Count).OrderByDescending(i => requests[i].Ids.Length).ToArray();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            var rows = order[start..Math.Min(start + batchSize, order.Length)];
            var scores = ScoreBatch(model, device, rows.Select(i => requests[i]).ToArray());
            for (int k = 0; k < rows.Length; k++) results[rows[k]] = scores[k];
            onRowsDone?.Invoke(rows.Length);
        }
        return results;
    }

    static double[][] ScoreBatch(LlamaForCausalLM model, Device device, ScoreRequest[] batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int width = batch.Max(r => r.Ids.Length);
        var padded = new long[batch.Length * width]; // pad id 0: any valid id works, it is never attended to by real tokens
        var labels = new long[batch.Length * width];
        Array.Fill(labels, CausalLMLoss.IgnoreIndex);
        for (int b = 0; b < batch.Length; b++)
        {
            batch[b].Ids.CopyTo(padded, b * width);
            Array.Copy(batch[b].Ids, batch[b].ScoreFrom, labels, b * width + batch[b].ScoreFrom, batch[b].Scored); // only scored tokens
        }
        var logProbs = model.TokenLogProbs(tensor(padded, [batch.Length, width]).to(device), tensor(labels, [batch.Length, width]).to(device))
            .to_type(ScalarType.Float64).cpu();
        var all = logProbs.data<double>().ToArray();
        var scores = new double[batch.Length][];
        // Position t−1 holds log p(token t): rows ScoreFrom−1 .. len−2.
        for (int b = 0; b < batch.Length; b++) scores[b] = all.AsSpan(b * width + batch[b].ScoreFrom - 1, batch[b].Scored).ToArray();
        return scores;
    }
}
