using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// The HF causal-LM loss conventions. Labels are the input ids (−100 = ignore) and are shifted here, exactly once:
/// position t is scored on token t+1 (HF `ForCausalLMLoss`: pad labels with −100 on the right, drop the first).
/// </summary>
public static class CausalLMLoss
{
    public const long IgnoreIndex = -100;

    /// <summary><see cref="IgnoreIndex"/> as a long-lived Scalar for ops (see <see cref="StableScalars"/>).</summary>
    static readonly Scalar IgnoreIndexScalar = IgnoreIndex.ToScalar();

    public static Tensor ShiftLabels(Tensor labels)
    {
        long b = labels.shape[0];
        var pad = full(b, 1, IgnoreIndexScalar, dtype: ScalarType.Int64, device: labels.device);
        return cat([labels.narrow(1, 1, labels.shape[1] - 1).to_type(ScalarType.Int64), pad], 1);
    }

    /// <summary>
    /// Mean cross-entropy over scored tokens, or the sum divided by <paramref name="numItemsInBatch"/> so that
    /// gradient accumulation over micro-batches of different sizes stays exact.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor shiftedLabels, long? numItemsInBatch = null) =>
        CrossEntropySum(logits, shiftedLabels) / Denominator(shiftedLabels, numItemsInBatch);

    /// <summary>PaLM's z-loss term: mean over scored tokens of log²Z (multiply by the coefficient, e.g. 1e-4).</summary>
    public static Tensor ZLoss(Tensor logits, Tensor shiftedLabels, long? numItemsInBatch = null) =>
        ZLossSum(logits, shiftedLabels) / Denominator(shiftedLabels, numItemsInBatch);

    /// <summary>Summed cross-entropy over scored positions (logits upcast to fp32).</summary>
    public static Tensor CrossEntropySum(Tensor logits, Tensor shiftedLabels)
    {
        long vocab = logits.shape[^1];
        return nn.functional.cross_entropy(logits.reshape(-1, vocab).to_type(ScalarType.Float32), shiftedLabels.reshape(-1),
            ignore_index: IgnoreIndex, reduction: nn.Reduction.Sum);
    }

    /// <summary>Cross-entropy per position (0 where ignored), fp32.</summary>
    public static Tensor CrossEntropyPerToken(Tensor logits, Tensor shiftedLabels)
    {
        long vocab = logits.shape[^1];
        return nn.functional.cross_entropy(logits.reshape(-1, vocab).to_type(ScalarType.Float32), shiftedLabels.reshape(-1),
            ignore_index: IgnoreIndex, reduction: nn.Reduction.None);
    }

    /// <summary>Summed log²Z over scored positions.</summary>
    public static Tensor ZLossSum(Tensor logits, Tensor shiftedLabels)
    {
        var logZ = logits.to_type(ScalarType.Float32).logsumexp(-1);
        var scored = shiftedLabels.ne(IgnoreIndexScalar).to_type(ScalarType.Float32);
        return (logZ.pow(StableScalars.Two) * scored.reshape(logZ.shape)).sum();
    }

    /// <summary>What sums are divided by: scored tokens here, or the whole accumulated batch's count when given.</summary>
    public static Tensor Denominator(Tensor shiftedLabels, long? numItemsInBatch) =>
        numItemsInBatch is { } n
            ? tensor((float)Math.Max(n, 1), device: shiftedLabels.device)
            : shiftedLabels.ne(IgnoreIndexScalar).sum().to_type(ScalarType.Float32).clamp_min(StableScalars.One);

    /// <summary>
    /// HF `load_balancing_loss_func` (Switch Transformer eqs. 4–6) over the router logits of all MoE layers:
    /// E · Σ_{k,e} (fraction of tokens whose k-th choice is e) · (mean router probability of e). ≈ k at perfect balance.
    /// </summary>
    public static Tensor LoadBalancing(IReadOnlyList<Tensor> routerLogits, int numExperts, int topK)
    {
        var logits = cat(routerLogits.Select(l => l.to_type(ScalarType.Float32)).ToArray(), 0);
        var probs = nn.functional.softmax(logits, -1);
        var (_, chosen) = probs.topk(topK, dim: -1);
        var expertMask = nn.functional.one_hot(chosen, numExperts).to_type(ScalarType.Float32); // [N, k, E]
        var tokensPerExpert = expertMask.mean([0]);                                                // [k, E]
        var routerProbPerExpert = probs.mean([0]);                                                  // [E]
        using var experts = numExperts.ToScalar(); // kept alive by the using: see StableScalars
        return (tokensPerExpert * routerProbPerExpert.unsqueeze(0)).sum().mul(experts);
    }
}
