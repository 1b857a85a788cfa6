using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// One sequence's KV cache in the layout the attention kernels read (<see cref="AttentionKernels"/>). Per layer and
/// kv head, the keys are stored in blocks of <see cref="Block"/> positions, each block transposed to
/// [head_dim][16]: one vector load holds one dimension of 16 keys, so 16 scores come out of head_dim FMAs with no
/// horizontal sum. Values are [position][head_dim]: a position's value row is the unit the weighted sum adds.
/// Elements are f32, or f16 (<see cref="Half"/>, llama.cpp's default cache type) when the weights are already rounded
/// — half the bytes to stream per token at long contexts. Grows by doubling (powers of two) up to the model's context;
/// the arrays come from, and go back to, the engine's <see cref="KvArrayPool"/>.
/// </summary>
public sealed class DecodeState
{
    /// <summary>Positions per transposed key block: one f32 vector of scores.</summary>
    internal const int Block = 16;

    readonly int _kvHeads, _headDim, _context;
    readonly byte[][] _keys, _values;
    readonly KvArrayPool _pool;

    internal DecodeState(int layers, int kvHeads, int headDim, int context, bool half, KvArrayPool? pool = null)
    {
        (_kvHeads, _headDim, _context, Half, _pool) = (kvHeads, headDim, context, half, pool ?? new KvArrayPool(0));
        _keys = new byte[layers][];
        _values = new byte[layers][];
        for (int l = 0; l < layers; l++) (_keys[l], _values[l]) = ([], []);
    }

    /// <summary>Positions held: the next token goes to this position.</summary>
    public int Length { get; internal set; }

    /// <summary>True: keys and values are f16 bits (short); false: f32.</summary>
    internal bool Half { get; }

    int ElementSize => Half ? sizeof(short) : sizeof(float);

    /// <summary>Positions each head's stream has room for (a multiple of <see cref="Block"/>).</summary>
    internal int Capacity { get; private set; }

    /// <summary>The first element of head <paramref name="kvHead"/>'s key block <paramref name="block"/>: [head_dim][16], then the next block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref T KeyBlock<T>(int layer, int kvHead, int block) where T : unmanaged =>
        ref Unsafe.Add(ref Elements<T>(_keys[layer]), (kvHead * Capacity + block * Block) * _headDim);

    /// <summary>The first element of head <paramref name="kvHead"/>'s value row at <paramref name="position"/>, the next rows after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref T ValueRow<T>(int layer, int kvHead, int position) where T : unmanaged =>
        ref Unsafe.Add(ref Elements<T>(_values[layer]), (kvHead * Capacity + position) * _headDim);

    static ref T Elements<T>(byte[] bytes) where T : unmanaged => ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(bytes));

    /// <summary>Writes head <paramref name="kvHead"/>'s key and value at <paramref name="position"/> (within the capacity).</summary>
    internal void Store(int layer, int kvHead, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        if ((uint)position >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(position), $"position {position} is past the cache's {Capacity}");
        int lane = position % Block;
        if (Half)
        {
            ref short k = ref KeyBlock<short>(layer, kvHead, position / Block);
            ref short v = ref ValueRow<short>(layer, kvHead, position);
            for (int d = 0; d < _headDim; d++)
            {
                Unsafe.Add(ref k, d * Block + lane) = HalfBits.ToF16(key[d]);
                Unsafe.Add(ref v, d) = HalfBits.ToF16(value[d]);
            }
        }
        else
        {
            ref float k = ref KeyBlock<float>(layer, kvHead, position / Block);
            for (int d = 0; d < _headDim; d++) Unsafe.Add(ref k, d * Block + lane) = key[d];
            value.CopyTo(MemoryMarshal.CreateSpan(ref ValueRow<float>(layer, kvHead, position), _headDim));
        }
    }

    internal void EnsureCapacity(int positions)
    {
        if (positions > _context) throw new ArgumentException($"{positions} positions exceed the model's context of {_context} tokens.");
        if (positions <= Capacity) return;
        // Doubling, and half again a prefilled prompt: decoding right after a long prompt should not copy the whole
        // cache at its first token (a 1024-token prompt at exactly 1024 would move 38 MB at f16 to add one position).
        // Powers of two, so a finished sequence's arrays fit the next ones (KvArrayPool).
        int capacity = RoundUp(Math.Min(_context, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(positions + positions / 2, Math.Max(64, 2 * Capacity)))));
        int held = RoundUp(Length); // whole key blocks: a block's layout does not depend on the capacity
        int bytes = capacity * _kvHeads * _headDim * ElementSize;
        for (int l = 0; l < _keys.Length; l++)
        {
            var (k, v) = (_pool.Rent(bytes), _pool.Rent(bytes));
            for (int h = 0; h < _kvHeads; h++)
            {
                CopyHead(_keys[l], Capacity, k, capacity, h, held);
                CopyHead(_values[l], Capacity, v, capacity, h, held);
            }
            _pool.Return(_keys[l]);
            _pool.Return(_values[l]);
            (_keys[l], _values[l]) = (k, v);
        }
        Capacity = capacity;
    }

    /// <summary>Takes over the first <paramref name="length"/> positions of <paramref name="source"/> (a shared prompt prefilled once).</summary>
    internal void CopyPrefix(DecodeState source, int length)
    {
        if (source.Half != Half || source._headDim != _headDim || source._kvHeads != _kvHeads || source._keys.Length != _keys.Length)
            throw new ArgumentException("the source cache has another shape or element type", nameof(source));
        if (length > source.Length) throw new ArgumentOutOfRangeException(nameof(length), $"{length} positions from a cache of {source.Length}");
        Length = 0;
        EnsureCapacity(length);
        // Whole blocks: the source's positions past length in the last block are copied too, but attention never reads
        // past a row's own position, and the next token overwrites them.
        for (int l = 0; l < _keys.Length; l++)
            for (int h = 0; h < _kvHeads; h++)
            {
                CopyHead(source._keys[l], source.Capacity, _keys[l], Capacity, h, RoundUp(length));
                CopyHead(source._values[l], source.Capacity, _values[l], Capacity, h, length);
            }
        Length = length;
    }

    /// <summary>
    /// Gives the arrays back to the engine's pool for later sequences; the state is empty afterwards (and may grow
    /// again). Positions past a sequence's length are never read, so stale contents in a reused array do no harm.
    /// </summary>
    internal void Release()
    {
        for (int l = 0; l < _keys.Length; l++)
        {
            _pool.Return(_keys[l]);
            _pool.Return(_values[l]);
            (_keys[l], _values[l]) = ([], []);
        }
        (Capacity, Length) = (0, 0);
    }

    /// <summary>Head <paramref name="head"/>'s first <paramref name="positions"/> positions from one layer array to another of another capacity.</summary>
    void CopyHead(byte[] from, int fromCapacity, byte[] to, int toCapacity, int head, int positions)
    {
        int row = _headDim * ElementSize;
        from.AsSpan(head * fromCapacity * row, positions * row).CopyTo(to.AsSpan(head * toCapacity * row));
    }

    static int RoundUp(int positions) => (positions + Block - 1) / Block * Block;
}
