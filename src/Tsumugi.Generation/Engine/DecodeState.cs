namespace Tsumugi.Generation.Engine;

/// <summary>
/// One sequence's KV cache in the layout the attention loop reads: per layer, f32 [kv_head][position][head_dim], so one
/// head's keys (and values) over all positions are one contiguous stream. Grows by doubling up to the model's context.
/// </summary>
public sealed class DecodeState
{
    readonly int _kvHeads, _headDim, _context;
    internal float[][] Keys { get; }
    internal float[][] Values { get; }

    internal DecodeState(int layers, int kvHeads, int headDim, int context)
    {
        (_kvHeads, _headDim, _context) = (kvHeads, headDim, context);
        Keys = new float[layers][];
        Values = new float[layers][];
        for (int l = 0; l < layers; l++) (Keys[l], Values[l]) = ([], []);
    }

    /// <summary>Positions held: the next token goes to this position.</summary>
    public int Length { get; internal set; }

    /// <summary>Positions each head's stream has room for.</summary>
    internal int Capacity => Keys.Length == 0 ? 0 : Keys[0].Length / (_kvHeads * _headDim);

    /// <summary>Where head <paramref name="kvHead"/>'s vector at <paramref name="position"/> starts in a layer's array.</summary>
    internal int Offset(int kvHead, int position) => (kvHead * Capacity + position) * _headDim;

    internal void EnsureCapacity(int positions)
    {
        if (positions > _context) throw new ArgumentException($"{positions} positions exceed the model's context of {_context} tokens.");
        if (positions <= Capacity) return;
        int capacity = Math.Min(_context, Math.Max(positions, Math.Max(64, 2 * Capacity)));
        int old = Capacity;
        for (int l = 0; l < Keys.Length; l++)
        {
            var (k, v) = (new float[capacity * _kvHeads * _headDim], new float[capacity * _kvHeads * _headDim]);
            for (int h = 0; h < _kvHeads; h++)
            {
                Keys[l].AsSpan(h * old * _headDim, Length * _headDim).CopyTo(k.AsSpan(h * capacity * _headDim));
                Values[l].AsSpan(h * old * _headDim, Length * _headDim).CopyTo(v.AsSpan(h * capacity * _headDim));
            }
            (Keys[l], Values[l]) = (k, v);
        }
    }

    /// <summary>Takes over the first <paramref name="length"/> positions of <paramref name="source"/> (a shared prompt prefilled once).</summary>
    internal void CopyPrefix(DecodeState source, int length)
    {
        Length = 0;
        EnsureCapacity(length);
        for (int l = 0; l < Keys.Length; l++)
            for (int h = 0; h < _kvHeads; h++)
            {
                source.Keys[l].AsSpan(source.Offset(h, 0), length * _headDim).CopyTo(Keys[l].AsSpan(Offset(h, 0)));
                source.Values[l].AsSpan(source.Offset(h, 0), length * _headDim).CopyTo(Values[l].AsSpan(Offset(h, 0)));
            }
        Length = length;
    }
}
