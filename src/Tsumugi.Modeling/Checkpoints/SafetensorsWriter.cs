using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tsumugi.Common;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>
/// Writes <c>.safetensors</c> files byte-compatible with the reference writer: compact UTF-8 JSON header with
/// <c>__metadata__</c> first, padded with spaces to a multiple of 8; tensors ordered by descending dtype alignment,
/// then by name. Published with <see cref="AtomicFile"/> (written aside, fsynced, renamed). Data are streamed tensor by
/// tensor straight from tensor memory (no whole-file buffer).
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors.Select(kv => new PendingTensor(kv.Key, kv.Value, kv.Value.dtype)).ToList(), metadata);

    /// <summary>A tensor to store as <paramref name="Type"/>; the cast (and any device copy) happens only while its
    /// bytes are written, so saving a model in another dtype needs one tensor's worth of extra memory.</summary>
    internal sealed record PendingTensor(string Name, Tensor Source, ScalarType Type)
    {
        public long ByteLength => Source.numel() * SafetensorsDTypes.SizeOf(Type);
    }

    internal static void Write(string path, IReadOnlyList<PendingTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (t.Name == "__metadata__") throw new CheckpointException($"{path}: '__metadata__' is reserved and cannot be a tensor name.");
            if (!names.Add(t.Name)) throw new CheckpointException($"{path}: tensor '{t.Name}' given twice; names must be unique.");
        }
        var ordered = tensors
            .OrderByDescending(t => SafetensorsDTypes.RankOf(t.Type))
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        byte[] header = BuildHeader(ordered.Select(t => (t.Name, SafetensorsDTypes.NameOf(t.Type), t.Source.shape, t.ByteLength)), metadata);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var t in ordered) WriteData(stream, t);
        }, bufferSize: 1 << 20);
    }

    /// <summary>The reference writer's header for tensors already in file order (see <see cref="SafetensorsStreamWriter"/>).</summary>
    internal static byte[] BuildHeader(IEnumerable<(string Name, string DType, long[] Shape, long ByteLength)> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps non-ASCII names as raw UTF-8, as serde_json (the reference) writes them.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in ordered)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType);
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += t.ByteLength;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        long padded = (buffer.Length + 7) / 8 * 8;
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    static void WriteData(Stream stream, PendingTensor t)
    {
        if (t.Source.numel() == 0) return;
        using var scope = NewDisposeScope();
        var source = t.Source.detach();
        if (source.device_type != TorchSharp.DeviceType.CPU) source = source.cpu();
        if (source.dtype != t.Type) source = source.to(t.Type);
        if (!source.is_contiguous()) source = source.contiguous();
        TensorBytes.ForEachChunk(source, (chunk, _) => stream.Write(chunk));
    }
}
