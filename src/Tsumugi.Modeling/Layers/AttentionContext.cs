using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// What every attention layer of one forward pass shares: rotary tables for this step's positions, the attention
/// pattern (plain causal, an explicit boolean mask where true = may attend, or none for a single decode token) and
/// the KV cache.
/// </summary>
public sealed record AttentionContext(Tensor Cos, Tensor Sin, Tensor? Mask, bool Causal, KVCache? Cache);
