using System.Numerics;
using System.Runtime.InteropServices;

namespace Tsumugi.Datasets;

/// <summary>Vectorised uint16 → int32 widening: the hot path when reading uint16 token files.</summary>
internal static class SpanWidening
{
    public static void CopyWidened(this ReadOnlySpan<ushort> source, Span<int> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var dst = MemoryMarshal.Cast<int, uint>(destination);
            var width = Vector<ushort>.Count;
            for (; i + width <= source.Length; i += width)
            {
                Vector.Widen(new Vector<ushort>(source[i..]), out var low, out var high);
                low.CopyTo(dst[i..]);
                high.CopyTo(dst[(i + width / 2)..]);
            }
        }
        for (; i < source.Length; i++) destination[i] = source[i];
    }
}
