using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition.Tensors;

/// <summary>
/// safetensors floating dtypes (F32, F16, BF16; little-endian) ↔ float32 spans. Merging computes in float32 whatever
/// the files hold; f32 → bf16 rounds to nearest even and keeps NaN a NaN, as torch's <c>.to(torch.bfloat16)</c> does.
/// </summary>
public static class FloatCodec
{
    public static readonly string[] Supported = ["F32", "F16", "BF16"];

    public static int SizeOf(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" or "BF16" => 2,
        _ => throw new CheckpointException($"dtype {dtype} cannot be merged (merging handles {string.Join(", ", Supported)}); convert the checkpoint first."),
    };

    /// <summary>The safetensors dtype for a mergekit/torch dtype name (<c>float16</c>, <c>bfloat16</c>, <c>float32</c>).</summary>
    public static string? FromTorchName(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" => "F32",
        "float16" or "fp16" or "half" => "F16",
        "bfloat16" or "bf16" => "BF16",
        _ => null,
    };

    public static string TorchName(string dtype) => dtype switch { "F32" => "float32", "F16" => "float16", _ => "bfloat16" };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> source, string dtype, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32":
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case "BF16":
                DecodeBf16(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            case "F16":
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            default:
                SizeOf(dtype);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Encode(ReadOnlySpan<float> source, string dtype, Span<byte> destination)
    {
        switch (dtype)
        {
            case "F32":
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case "BF16":
                EncodeBf16(source, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case "F16":
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            default:
                SizeOf(dtype);
                break;
        }
    }

    static void DecodeBf16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= source.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector.Widen(new Vector<ushort>(source[i..]), out var low, out var high);
                (low << 16).CopyTo(bits[i..]);
                (high << 16).CopyTo(bits[(i + Vector<uint>.Count)..]);
            }
        for (; i < source.Length; i++) bits[i] = (uint)source[i] << 16;
    }

    static void EncodeBf16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(source);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var exponentMask = new Vector<uint>(0x7FFF_FFFF);
            var infinity = new Vector<uint>(0x7F80_0000);
            var bias = new Vector<uint>(0x7FFF);
            var one = Vector<uint>.One;
            var quiet = new Vector<uint>(0x40);
            for (; i <= bits.Length - 2 * Vector<uint>.Count; i += 2 * Vector<uint>.Count)
            {
                var low = Round(new Vector<uint>(bits[i..]));
                var high = Round(new Vector<uint>(bits[(i + Vector<uint>.Count)..]));
                Vector.Narrow(low, high).CopyTo(destination[i..]);
            }

            Vector<uint> Round(Vector<uint> x)
            {
                var rounded = (x + bias + ((x >> 16) & one)) >> 16;
                var nan = Vector.GreaterThan(x & exponentMask, infinity);
                return Vector.ConditionalSelect(nan, (x >> 16) | quiet, rounded);
            }
        }
        for (; i < bits.Length; i++) destination[i] = ToBf16(bits[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ushort ToBf16(uint bits)
    {
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 0x40); // NaN stays a (quiet) NaN
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>Encodes <paramref name="values"/> as <paramref name="dtype"/> onto <paramref name="stream"/> through the
    /// <paramref name="encoded"/> chunk buffer (F32 is written as is).</summary>
    public static void Write(ReadOnlySpan<float> values, string dtype, Stream stream, byte[] encoded)
    {
        if (dtype == "F32") { stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values)); return; }
        int size = SizeOf(dtype);
        int perChunk = encoded.Length / size;
        for (int start = 0; start < values.Length; start += perChunk)
        {
            int count = Math.Min(perChunk, values.Length - start);
            Encode(values.Slice(start, count), dtype, encoded.AsSpan(0, count * size));
            stream.Write(encoded, 0, count * size);
        }
    }
}
