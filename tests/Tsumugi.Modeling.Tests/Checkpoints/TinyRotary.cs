using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>Holds the buffer old HF checkpoints carry, which loading must ignore.</summary>
public sealed class TinyRotary : nn.Module
{
    public TinyRotary() : base(nameof(TinyRotary)) => register_buffer("inv_freq", arange(4, dtype: float32));
}
