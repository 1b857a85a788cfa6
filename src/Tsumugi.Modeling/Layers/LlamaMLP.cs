using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>Gated feed-forward: down(act(gate(x)) · up(x)), act = silu (SwiGLU) or tanh-approximated GELU (Gemma's GeGLU).</summary>
public sealed class LlamaMLP : nn.Module<Tensor, Tensor>
{
    readonly AdaptableLinear gate_proj, up_proj, down_proj;
    readonly bool _gelu;

    public LlamaMLP(LlamaConfig c) : base(nameof(LlamaMLP))
    {
        gate_proj = new AdaptableLinear(c.HiddenSize, c.IntermediateSize, c.MlpProjBias);
        up_proj = new AdaptableLinear(c.HiddenSize, c.IntermediateSize, c.MlpProjBias);
        down_proj = new AdaptableLinear(c.IntermediateSize, c.HiddenSize, c.MlpProjBias);
        _gelu = c.Activation == "gelu_pytorch_tanh";
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var gate = gate_proj.forward(x);
        var activated = _gelu ? nn.functional.gelu(gate, TorchSharp.Modules.GELU.Approximate.tanh) : nn.functional.silu(gate);
        return down_proj.forward(activated * up_proj.forward(x));
    }
}
