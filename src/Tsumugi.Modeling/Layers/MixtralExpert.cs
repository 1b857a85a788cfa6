using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>One Mixtral expert, HF names: w1 = gate_proj, w3 = up_proj, w2 = down_proj; w2(silu(w1 x) · w3 x).</summary>
public sealed class MixtralExpert : nn.Module<Tensor, Tensor>
{
    readonly AdaptableLinear w1, w2, w3;

    public MixtralExpert(LlamaConfig c) : base(nameof(MixtralExpert))
    {
        w1 = new AdaptableLinear(c.HiddenSize, c.IntermediateSize, hasBias: false);
        w2 = new AdaptableLinear(c.IntermediateSize, c.HiddenSize, hasBias: false);
        w3 = new AdaptableLinear(c.HiddenSize, c.IntermediateSize, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => w2.forward(nn.functional.silu(w1.forward(x)) * w3.forward(x));
}
