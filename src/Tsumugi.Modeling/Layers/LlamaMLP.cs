using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class LlamaMLP : nn.Module<Tensor, Tensor>
{
    readonly AdaptableLinear gate_proj, up_proj, down_proj;

    public LlamaMLP(LlamaConfig c) : base(nameof(LlamaMLP))
    {
        gate_proj = new AdaptableLinear(c.HiddenSize, c.IntermediateSize, c.MlpBias);
        up_proj = new AdaptableLinear(c.HiddenSize, c.IntermediateSize, c.MlpBias);
        down_proj = new AdaptableLinear(c.IntermediateSize, c.HiddenSize, c.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x));
}
