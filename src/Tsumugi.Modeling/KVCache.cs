using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// Per-layer key/value cache for inference, preallocated to a capacity so a decode step writes in place and
/// per-token cost does not grow with allocation. Keys/values are stored with the model's KV heads (not repeated).
/// </summary>
/// <remarks>
/// Two ways to use it. Lock-step: every row has the same <see cref="Length"/> (one prompt, or prompts of equal length).
/// Ragged, for batched decoding of sequences of different lengths (<see cref="LlamaForCausalLM.DecodeRows"/>): the
/// caller keeps each row's length, fills a row through a <see cref="Row"/> view (prefill) and decodes the first n rows
/// together, each token written at its own row's length; <see cref="MoveRow"/> keeps the live rows packed at the top.
/// </remarks>
public sealed class KVCache : IDisposable
{
    readonly Tensor[] _keys, _values;

    public long Length { get; private set; }
    public long Capacity { get; }
    public long BatchSize { get; }

    /// <summary>The dtype keys/values are stored in, which is also the dtype attention runs in.</summary>
    public ScalarType DType => _keys[0].dtype;

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

    KVCache(Tensor[] keys, Tensor[] values, long capacity)
    {
        _keys = keys;
        _values = values;
        Capacity = capacity;
        BatchSize = keys[0].shape[0];
    }

    /// <summary>
    /// A lock-step cache over row <paramref name="row"/> alone, sharing this cache's storage and starting empty: a
    /// prefill through it fills that row in place. Dispose it to free the views (the storage stays).
    /// </summary>
    public KVCache Row(long row) =>
        new(_keys.Select(k => k.narrow(0, row, 1)).ToArray(), _values.Select(v => v.narrow(0, row, 1)).ToArray(), Capacity);

    /// <summary>Copies the first <paramref name="length"/> cached positions of row <paramref name="from"/> over row <paramref name="to"/>.</summary>
    public void MoveRow(long from, long to, long length)
    {
        if (from == to || length == 0) return;
        using var scope = NewDisposeScope();
        foreach (var layer in new[] { _keys, _values })
            foreach (var t in layer) t[to].narrow(1, 0, length).copy_(t[from].narrow(1, 0, length));
    }

    /// <summary>Copies the first <paramref name="rows"/> rows' first <paramref name="length"/> positions into <paramref name="target"/> (to grow a cache).</summary>
    public void CopyRowsTo(KVCache target, long rows, long length)
    {
        if (rows == 0 || length == 0) return;
        using var scope = NewDisposeScope();
        for (int layer = 0; layer < _keys.Length; layer++)
        {
            target._keys[layer].narrow(0, 0, rows).narrow(2, 0, length).copy_(_keys[layer].narrow(0, 0, rows).narrow(2, 0, length));
            target._values[layer].narrow(0, 0, rows).narrow(2, 0, length).copy_(_values[layer].narrow(0, 0, rows).narrow(2, 0, length));
        }
    }

    /// <summary>
    /// Ragged decode step: writes one new key/value per row for the first <c>keys.shape[0]</c> rows, each at its
    /// row's own position (<paramref name="writeIndex"/>: [n, kv heads, 1, head dim] filled with the position), and
    /// returns views over the first <paramref name="keyLength"/> positions of those rows; the caller masks each row
    /// beyond its own length.
    /// </summary>
    public (Tensor Keys, Tensor Values) AppendRows(int layer, Tensor keys, Tensor values, Tensor writeIndex, long keyLength)
    {
        if (keyLength > Capacity)
            throw new InvalidOperationException($"KV cache full: a row needs {keyLength} positions, capacity is {Capacity}.");
        long n = keys.shape[0];
        var k = _keys[layer].narrow(0, 0, n);
        var v = _values[layer].narrow(0, 0, n);
        k.scatter_(2, writeIndex, keys);
        v.scatter_(2, writeIndex, values);
        return (k.narrow(2, 0, keyLength), v.narrow(2, 0, keyLength));
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
        // A row view holds views: disposing them frees its handles, never the storage it shares.
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
