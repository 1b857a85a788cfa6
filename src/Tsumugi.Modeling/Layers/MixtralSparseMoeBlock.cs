using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// Mixtral's sparse MoE block: router softmax in fp32 → top-k → renormalise the k weights → weighted sum of the chosen
/// experts (no capacity dropping). Returns the router logits for the load-balancing loss.
/// </summary>
public sealed class MixtralSparseMoeBlock : nn.Module
{
    readonly AdaptableLinear gate;
    readonly ModuleList<MixtralExpert> experts;
    readonly int _topK;
    readonly double _jitter;

    public MixtralSparseMoeBlock(LlamaConfig c) : base(nameof(MixtralSparseMoeBlock))
    {
        gate = new AdaptableLinear(c.HiddenSize, c.NumLocalExperts, hasBias: false);
        experts = new ModuleList<MixtralExpert>(Enumerable.Range(0, c.NumLocalExperts).Select(_ => new MixtralExpert(c)).ToArray());
        _topK = c.NumExpertsPerTok;
        _jitter = c.RouterJitterNoise;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, out Tensor routerLogits)
    {
        long b = x.shape[0], t = x.shape[1], h = x.shape[2];
        if (training && _jitter > 0) x = x * empty_like(x).uniform_(1.0 - _jitter, 1.0 + _jitter);
        var flat = x.view(b * t, h);
        routerLogits = gate.forward(flat);
        var probs = nn.functional.softmax(routerLogits.to_type(ScalarType.Float32), -1);
        var (weights, chosen) = probs.topk(_topK, dim: -1);
        weights = (weights / weights.sum(-1, keepdim: true)).to_type(x.dtype);
        var output = zeros_like(flat);
        for (int e = 0; e < experts.Count; e++)
        {
            using var expert = e.ToScalar(); // kept alive by the using: see StableScalars
            var hits = chosen.eq(expert).nonzero(); // [n, 2]: token row, top-k slot
            if (hits.shape[0] == 0) continue;
            var rows = hits[TensorIndex.Colon, 0];
            var slots = hits[TensorIndex.Colon, 1];
            var y = experts[e].forward(flat.index_select(0, rows)) * weights[rows, slots].unsqueeze(-1);
            output = output.index_add(0, rows, y, StableScalars.One);
        }
        return output.view(b, t, h);
    }
}
