namespace Tsumugi.Composition.Moe;

/// <summary>
/// <c>tsumugi model upcycle</c>: dense Llama/Mistral → Mixtral (Sparse Upcycling, Komatsuzaki et al. 2022; with a
/// drop ratio, Drop-Upcycling, Nakamura et al. 2025). Every expert is the dense MLP (w1 = gate_proj, w3 = up_proj,
/// w2 = down_proj), optionally with a seeded share of its channels re-drawn; attention, norms and embeddings are
/// copied bit for bit; each layer gets a new torch_rand_002 router. With r = 0 the MoE computes exactly the dense
/// model (the renormalised top-k weights sum to 1 over identical experts). Streams tensor by tensor.
/// </summary>
public static class Upcycler
{
    public static MoeResult Run(UpcycleOptions o) =>
        BranchTrainMix.Assemble(new BtxOptions([o.Model], o.Output, o.Experts, o.TopK, o.DropRatio, o.Seed, o.RouterStd, o.AuxLossCoef, o.MaxShardBytes, o.Progress));
}
