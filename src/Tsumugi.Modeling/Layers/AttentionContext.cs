using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// What every attention layer of one forward pass shares: rotary tables for this step's positions, the attention
/// pattern (plain causal, an explicit boolean mask where true = may attend, or none for a single decode token) and
/// the KV cache. For a ragged decode step (rows of different lengths) <paramref name="RowWriteIndex"/> holds each row's
/// write position ([n, kv heads, 1, head dim]) and <paramref name="KeyLength"/> the longest row + 1.
/// <paramref name="WindowMask"/> is the pattern of the sliding-window layers when their window is shorter than the
/// keys; null means those layers use <paramref name="Mask"/>/<paramref name="Causal"/> like the others.
/// </summary>
public sealed record AttentionContext(Tensor Cos, Tensor Sin, Tensor? Mask, bool Causal, KVCache? Cache,
    Tensor? RowWriteIndex = null, long KeyLength = 0, Tensor? WindowMask = null);
