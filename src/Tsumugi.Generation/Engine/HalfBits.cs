using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tsumugi.Generation.Engine;

/// <summary>
/// f16 and bf16 ↔ f32 for packing (scalar, once) and for the kernels (16 lanes at a time). .NET exposes no F16C
/// conversion, so f16 is widened with integer ops: sign-extend the 16 bits, shift the exponent and mantissa into f32
/// position, keep the sign bit, and rescale the exponent bias by ×2¹¹² — four instructions per 16 weights. That is
/// exact for normal values and zeros; <see cref="ToF16"/> flushes f16 subnormals (|w| &lt; 6.1e−5) to zero at packing so
/// the kernels never multiply subnormal floats, which some CPUs microcode-assist at 100+ cycles.
/// </summary>
static class HalfBits
{
    static readonly float ExponentRebias = MathF.ScaleB(1f, 112);

    /// <summary>Round to nearest even f16 (as torch's .half()), subnormals flushed to signed zero.</summary>
    public static short ToF16(float value)
    {
        short bits = BitConverter.HalfToInt16Bits((Half)value);
        return (bits & 0x7C00) == 0 ? (short)(bits & unchecked((short)0x8000)) : bits;
    }

    /// <summary>Round to nearest even bf16 (as torch's .bfloat16()).</summary>
    public static ushort ToBF16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    public static float FromF16(short bits) => (float)BitConverter.Int16BitsToHalf(bits);

    public static float FromBF16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>16 f16 values (no subnormals, see the class remarks) as f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> F16x16(ref short source)
    {
        var widened = Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref source));
        var placed = Avx512F.ShiftLeftLogical(widened, 13) & Vector512.Create(unchecked((int)0x8FFFE000));
        return placed.AsSingle() * Vector512.Create(ExponentRebias);
    }

    /// <summary>
    /// 16 f16 values placed in f32 bit positions but not yet rebiased: each is the true value × 2⁻¹¹². The kernels
    /// multiply them by activations pre-scaled by 2¹¹² (<see cref="Rebias"/>), saving the rebias multiply per weight.
    /// Without subnormal f16 values (flushed at packing) these are normal f32 numbers, so no subnormal arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> F16x16Unbiased(ref short source) =>
        (Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref source)), 13) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle();

    /// <summary>2¹¹²: the factor between f16 bits placed in an f32 and their value.</summary>
    public static float Rebias => ExponentRebias;

    /// <summary>Largest activation magnitude that × 2¹¹² stays finite in f32.</summary>
    public const float MaxPrescaled = 65000f;

    /// <summary>16 bf16 values as f32: the upper half of an f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> BF16x16(ref ushort source) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref source)), 16).AsSingle();
}
