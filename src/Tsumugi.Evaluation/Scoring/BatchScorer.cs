using TorchSharp;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Evaluation.Scoring;

/// <summary>
/// Log-probabilities of many token rows in batches (perplexity windows, multiple-choice continuations).
/// Rows that share a prefix of ≥ <see cref="PrefixGroups.MinPrefix"/> tokens (the choices of a question, the questions
/// of a few-shot task) are scored together over one computation of that prefix: the prefix fills one row of a KV cache,
/// is copied to the group's other rows, and the continuations run as one batch after it — on a CPU, where a long row is
/// already a large matrix product and batching alone buys little, this is what makes batched scoring faster. Other rows
/// are sorted by length and scored in right-padded batches. Attention is causal, so pad tokens after a row's real tokens
/// cannot change the logits of those tokens; padded positions are never read. Results come back in request order.
/// Log-probabilities come from <see cref="LlamaForCausalLM.TokenLogProbs"/> (fp32, vocabulary in chunks, so a batch
/// never holds [B, T, V] logits); batched, unbatched and `tsumugi model score` (float64 log-softmax) agree to about 1e-5.
/// </summary>
public static class BatchScorer
{
    /// <summary>
    /// On a CPU, rows without a shared prefix are batched only up to this many (padded) tokens per forward pass: a
    /// 256-token row is already a large matrix product there, and eight of them run slower than one at a time once the
    /// activations and attention scores outgrow the caches (docs/BENCHMARKS.md "Evaluation"). Short rows still batch.
    /// </summary>
    public const int CpuBatchTokens = 256;

    /// <summary>
    /// For each request, the log-probabilities of its tokens from <see cref="ScoreRequest.ScoreFrom"/> on.
    /// <paramref name="batchSize"/> 1 scores every row alone, from its first token.
    /// </summary>
    public static double[][] Score(LlamaForCausalLM model, IReadOnlyList<ScoreRequest> requests, int batchSize, Action<int>? onRowsDone = null)
    {
        if (batchSize < 1) throw new ArgumentException($"batch size must be ≥ 1 (got {batchSize}).");
        foreach (var (r, i) in requests.Select((r, i) => (r, i)))
            if (r.ScoreFrom < 1 || r.ScoreFrom > r.Ids.Length)
                throw new ArgumentException($"score request {i}: score_from {r.ScoreFrom} must be in 1..{r.Ids.Length} (position 0 has no context).");
        var device = model.parameters().First().device;
        var results = new double[requests.Count][];
        var (groups, single) = PrefixGroups.Find(requests, batchSize);
        foreach (var group in groups)
        {
            var scores = ScoreAfterPrefix(model, device, group.Rows.Select(i => requests[i]).ToArray(), group.Prefix);
            for (int k = 0; k < group.Rows.Length; k++) results[group.Rows[k]] = scores[k];
            onRowsDone?.Invoke(group.Rows.Length);
        }
        var order = single.OrderByDescending(i => requests[i].Ids.Length).ToArray();
        int limit = device.type == DeviceType.CPU ? CpuBatchTokens : int.MaxValue;
        for (int start = 0, end; start < order.Length; start = end)
        {
            // Longest row first, so the first row of a batch sets its padded width.
            int width = requests[order[start]].Ids.Length;
            end = start + 1;
            while (end < order.Length && end - start < batchSize && (long)(end - start + 1) * width <= limit) end++;
            var rows = order[start..end];
            var scores = ScoreAfterPrefix(model, device, rows.Select(i => requests[i]).ToArray(), 0);
            for (int k = 0; k < rows.Length; k++) results[rows[k]] = scores[k];
            onRowsDone?.Invoke(rows.Length);
        }
        return results;
    }

    /// <summary>
    /// Scores rows whose first <paramref name="prefix"/> tokens are the same (0: no shared prefix). The prefix runs once
    /// into row 0 of a KV cache and is copied to the other rows; the rest of every row then runs as one right-padded batch.
    /// </summary>
    static double[][] ScoreAfterPrefix(LlamaForCausalLM model, Device device, ScoreRequest[] batch, int prefix)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int width = batch.Max(r => r.Ids.Length) - prefix;
        using var cache = prefix == 0 ? null : model.NewCache(batch.Length, prefix + width);
        if (cache is not null)
        {
            using (var first = cache.Row(0))
                model.Forward(tensor(batch[0].Ids[..prefix], [1, prefix]).to(device), cache: first, lastTokenLogitsOnly: true);
            for (int b = 1; b < batch.Length; b++) cache.MoveRow(0, b, prefix);
            cache.Advance(prefix);
        }
        var padded = new long[batch.Length * width]; // pad id 0: any valid id works, it is never attended to by real tokens
        var labels = new long[batch.Length * width];
        Array.Fill(labels, CausalLMLoss.IgnoreIndex);
        for (int b = 0; b < batch.Length; b++)
        {
            var ids = batch[b].Ids;
            Array.Copy(ids, prefix, padded, b * width, ids.Length - prefix);
            Array.Copy(ids, batch[b].ScoreFrom, labels, b * width + batch[b].ScoreFrom - prefix, batch[b].Scored); // only scored tokens
        }
        var logProbs = model.TokenLogProbs(tensor(padded, [batch.Length, width]).to(device), tensor(labels, [batch.Length, width]).to(device), cache)
            .to_type(ScalarType.Float64).cpu();
        var all = logProbs.data<double>().ToArray();
        var scores = new double[batch.Length][];
        // Position t−1 (t − 1 − prefix in the batch) holds log p(token t).
        for (int b = 0; b < batch.Length; b++)
            scores[b] = all.AsSpan(b * width + batch[b].ScoreFrom - 1 - prefix, batch[b].Scored).ToArray();
        return scores;
    }
}
