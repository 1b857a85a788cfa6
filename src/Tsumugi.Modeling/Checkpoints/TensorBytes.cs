using static TorchSharp.torch;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>Byte access to a contiguous CPU tensor of any size. TorchSharp's <c>Tensor.bytes</c> is a
/// <see cref="Span{T}"/> (int length, 2 GB at most), so big tensors are visited as 1-D views of at most
/// <see cref="ChunkBytes"/> each; every span points straight into the tensor's memory (no copies).</summary>
internal static class TensorBytes
{
    public delegate void ChunkAction(Span<byte> chunk, long byteOffset);

    public const long ChunkBytes = 16L << 20;

    public static void ForEachChunk(Tensor contiguousCpu, ChunkAction action)
    {
        long n = contiguousCpu.numel();
        if (n == 0) return;
        long elementSize = contiguousCpu.element_size();
        long perChunk = Math.Max(1, ChunkBytes / elementSize);
        using var flat = contiguousCpu.reshape(-1);
        for (long start = 0; start < n; start += perChunk)
        {
            long count = Math.Min(perChunk, n - start);
            using var part = flat.narrow(0, start, count);
            action(part.bytes, start * elementSize);
        }
    }
}
