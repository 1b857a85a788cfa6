using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// Per-layer key/value cache for inference, preallocated to a capacity so a decode step writes in place and
/// per-token cost does not grow with allocation. Keys/values are stored with the model's KV heads (not repeated).
/// </summary>
public sealed class KVCache : IDisposable
{
    readonly Tensor[] _keys, _values;

    public long Length { get; private set; }
    public long Capacity { get; }
    public long BatchSize { get; }

    public KVCache(LlamaConfig config, long batchSize, long capacity, ScalarType dtype, Device? device = null)
    {
        if (capacity > config.MaxPositionEmbeddings)
            throw new ArgumentException($"KV cache capacity {capacity} exceeds max_position_embeddings ({config.MaxPositionEmbeddings}).");
        Capacity = capacity;
        BatchSize = batchSize;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            _keys[i] = zeros([batchSize, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
            _values[i] = zeros([batchSize, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
        }
    }

    /// <summary>Writes this step's keys/values after the cached ones; returns views over everything cached so far.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        long t = keys.shape[2];
        if (Length + t > Capacity)
            throw new InvalidOperationException($"KV cache full: {Length} cached + {t} new tokens exceeds capacity {Capacity}.");
        _keys[layer].narrow(2, Length, t).copy_(keys);
        _values[layer].narrow(2, Length, t).copy_(values);
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Called by the model once all layers have appended a step of <paramref name="tokens"/> tokens.</summary>
    public void Advance(long tokens) => Length += tokens;

    /// <summary>Forgets everything after <paramref name="length"/> tokens (e.g. to reuse a shared prompt prefix).</summary>
    public void Truncate(long length)
    {
        if (length < 0 || length > Length) throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
    }

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
