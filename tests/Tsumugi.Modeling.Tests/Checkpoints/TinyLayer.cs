using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

public sealed class TinyLayer : nn.Module
{
    public readonly TinyAttention self_attn;
    public readonly Linear down_proj;

    public TinyLayer(long hidden, long ffn) : base(nameof(TinyLayer))
    {
        self_attn = new TinyAttention(hidden);
        down_proj = nn.Linear(ffn, hidden, hasBias: false);
        RegisterComponents();
    }
}
