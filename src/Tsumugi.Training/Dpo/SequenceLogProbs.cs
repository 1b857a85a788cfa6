using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Dpo;

/// <summary>
/// Per-row log-probabilities of a preference batch, as TRL computes them: log_softmax of the logits gathered at the next
/// token, zero where the label is −100 (prompt, padding), summed over the row — a sum, not a mean.
/// </summary>
internal static class SequenceLogProbs
{
    /// <summary>[rows] summed completion log-probs (with the autograd graph when gradients are on).</summary>
    public static Tensor Summed(LlamaForCausalLM model, Tensor ids, Tensor labels) => model.TokenLogProbs(ids, labels).sum(1);

    /// <summary>[rows] completion tokens per row (the labels the sum covers).</summary>
    public static Tensor Counts(Tensor labels) => labels.ne(CausalLMLoss.IgnoreIndex).sum(1).to(ScalarType.Float32);

    /// <summary>
    /// Labels over the whole sequence, prompt included, padding excluded: what ORPO's and CPO's NLL term trains on
    /// (TRL: "computed over the full prompt and response"). <paramref name="width"/> is the micro-batch's (trimmed) width.
    /// </summary>
    public static long[] WholeSequenceLabels(TrainingBatch batch, int width)
    {
        var labels = new long[batch.BatchSize * width];
        for (var r = 0; r < batch.BatchSize; r++)
        {
            var row = batch.Samples[r];
            var length = row.DocumentLengths[0];
            for (var c = 0; c < width; c++)
                labels[r * width + c] = c > 0 && c < length ? row.Tokens[c] : CausalLMLoss.IgnoreIndex;
        }
        return labels;
    }
}
