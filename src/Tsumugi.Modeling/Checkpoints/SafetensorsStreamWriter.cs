using System.Buffers.Binary;
using Tsumugi.Common;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>A tensor whose header entry is known before its data exist: name, safetensors dtype string, shape.</summary>
public sealed record SafetensorsTensorInfo(string Name, string DType, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => checked(a * d));

    public long ByteLength => SafetensorsDTypes.TryParse(DType, out _, out int size)
        ? checked(ElementCount * size)
        : throw new CheckpointException($"tensor '{Name}': dtype '{DType}' is not supported (supported: {SafetensorsDTypes.Supported}).");
}

/// <summary>
/// Writes a <c>.safetensors</c> file whose tensors are produced one at a time (merging, MoE assembly): the header is
/// built from the entries up front, then <c>writeData</c> is called once per tensor, in file order, and must write
/// exactly that tensor's bytes. Layout and publication (atomic) are those of <see cref="SafetensorsWriter"/>, so peak
/// memory is whatever the caller holds for one tensor, not the file.
/// </summary>
public static class SafetensorsStreamWriter
{
    /// <summary>The reference writer's order: descending dtype alignment, then name. Produce tensors in this order.</summary>
    public static List<SafetensorsTensorInfo> FileOrder(IEnumerable<SafetensorsTensorInfo> tensors) =>
        tensors.OrderByDescending(t => SafetensorsDTypes.TryParse(t.DType, out var type, out _) ? SafetensorsDTypes.RankOf(type) : -1)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

    public static void Write(string path, IReadOnlyList<SafetensorsTensorInfo> tensors, Action<SafetensorsTensorInfo, Stream> writeData,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (t.Name == "__metadata__") throw new CheckpointException($"{path}: '__metadata__' is reserved and cannot be a tensor name.");
            if (!names.Add(t.Name)) throw new CheckpointException($"{path}: tensor '{t.Name}' given twice; names must be unique.");
        }
        var ordered = FileOrder(tensors);
        byte[] header = SafetensorsWriter.BuildHeader(ordered.Select(t => (t.Name, t.DType, t.Shape, t.ByteLength)), metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var t in ordered)
            {
                long before = stream.Position;
                writeData(t, stream);
                if (stream.Position - before != t.ByteLength)
                    throw new InvalidOperationException($"{path}: tensor '{t.Name}' wrote {stream.Position - before} bytes, expected {t.ByteLength}.");
            }
        }, bufferSize: 1 << 20);
    }
}
