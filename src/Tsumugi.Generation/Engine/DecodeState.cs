namespace Tsumugi.Generation.Engine;

/// <summary>
/// One sequence's KV cache in the layout the attention loop reads: per layer, f32 [position][kv_head][head_dim], so a
/// position's keys for one head are contiguous. Grows by doubling up to the model's context.
/// </summary>
public sealed class DecodeState
{
    readonly int _rowWidth, _context;
    internal float[][] Keys { get; }
    internal float[][] Values { get; }

    internal DecodeState(int layers, int kvHeads, int headDim, int context)
    {
        _rowWidth = kvHeads * headDim;
        _context = context;
        Keys = new float[layers][];
        Values = new float[layers][];
        for (int l = 0; l < layers; l++) (Keys[l], Values[l]) = ([], []);
    }

    /// <summary>Positions held: the next token goes to this position.</summary>
    public int Length { get; internal set; }

    int Capacity => Keys.Length == 0 ? 0 : Keys[0].Length / _rowWidth;

    internal void EnsureCapacity(int positions)
    {
        if (positions > _context) throw new ArgumentException($"{positions} positions exceed the model's context of {_context} tokens.");
        if (positions <= Capacity) return;
        int capacity = Math.Min(_context, Math.Max(positions, Math.Max(64, 2 * Capacity)));
        for (int l = 0; l < Keys.Length; l++)
        {
            var (k, v) = (new float[capacity * _rowWidth], new float[capacity * _rowWidth]);
            Keys[l].AsSpan(0, Length * _rowWidth).CopyTo(k);
            Values[l].AsSpan(0, Length * _rowWidth).CopyTo(v);
            (Keys[l], Values[l]) = (k, v);
        }
    }

    /// <summary>Takes over the first <paramref name="length"/> positions of <paramref name="source"/> (a shared prompt prefilled once).</summary>
    internal void CopyPrefix(DecodeState source, int length)
    {
        Length = 0;
        EnsureCapacity(length);
        for (int l = 0; l < Keys.Length; l++)
        {
            source.Keys[l].AsSpan(0, length * _rowWidth).CopyTo(Keys[l]);
            source.Values[l].AsSpan(0, length * _rowWidth).CopyTo(Values[l]);
        }
        Length = length;
    }
}
