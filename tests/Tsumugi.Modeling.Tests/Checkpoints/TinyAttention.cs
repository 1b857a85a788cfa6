using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>HF-style names through snake_case fields: layers.{i}.self_attn.q_proj.weight, …</summary>
public sealed class TinyAttention : nn.Module
{
    public readonly Linear q_proj;
    public readonly Linear o_proj;

    public TinyAttention(long hidden) : base(nameof(TinyAttention))
    {
        q_proj = nn.Linear(hidden, hidden, hasBias: true);
        o_proj = nn.Linear(hidden, hidden, hasBias: false);
        RegisterComponents();
    }
}
