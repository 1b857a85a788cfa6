using System.Buffers.Binary;
using System.Numerics;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum TFRecord framing uses.
/// System.IO.Hashing 10.0 only ships the IEEE <c>Crc32</c>, so this wraps <see cref="BitOperations.Crc32C(uint, ulong)"/>,
/// which uses the SSE4.2 / ARMv8 CRC instructions when present and a table fallback otherwise.
/// </summary>
internal static class Crc32C
{
    /// <summary>Added after rotating, so that a CRC stored inside the data it covers does not checksum to a fixed value.</summary>
    private const uint MaskDelta = 0xa282ead8;

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        // BitOperations.Crc32C is the raw update step; the standard CRC-32C starts from and ends with all bits inverted.
        uint crc = ~0u;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }
        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TFRecord's masked form: rotate right by 15 bits, then add a constant.</summary>
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    public static uint ComputeMasked(ReadOnlySpan<byte> data) => Mask(Compute(data));
}
