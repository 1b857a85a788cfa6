using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// What a MoE layer's router did with a batch, for logging (not for the loss): the share of the top-k choices each
/// expert received. A collapsed router shows as one expert near 1 and the others near 0 long before the loss says so.
/// Computed from the router logits the forward pass returns anyway, so dense models pay nothing.
/// </summary>
public static class RouterStatistics
{
    /// <summary>Counts of top-k choices per expert, [num_experts] int64 (softmax is monotonic, so top-k of the logits).</summary>
    public static Tensor ChoiceCounts(Tensor routerLogits, int topK, int numExperts)
    {
        using var scope = NewDisposeScope();
        var chosen = routerLogits.detach().topk(topK, dim: -1).indexes.reshape(-1);
        return chosen.bincount(null, numExperts).MoveToOuterDisposeScope();
    }
}
