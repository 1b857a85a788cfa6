using System.Text;
using Tsumugi.Common;

namespace Tsumugi.Export.Gguf;

/// <summary>
/// Writes a GGUF v3 file (ggml docs/gguf.md): header, metadata key/values, tensor infos, padding, tensor data.
/// Little-endian throughout. Tensor data is produced lazily at write time, one tensor at a time, so exporting a
/// model needs memory for one tensor beyond the model itself. Shapes are given in PyTorch order and written
/// reversed (ggml's ne0 is the innermost dimension), so row-major bytes are unchanged.
/// </summary>
public sealed class GgufWriter
{
    public const uint Version = 3;
    public const string AlignmentKey = "general.alignment";

    readonly List<(string Key, GgufValueType Type, Action<BinaryWriter> Write)> _metadata = [];
    readonly List<(string Name, long[] Shape, GgufTensorType Type, Func<float[]> Values)> _tensors = [];
    readonly HashSet<string> _keys = [];
    readonly HashSet<string> _names = [];

    /// <summary>Data alignment; written as <c>general.alignment</c>. ggml requires a multiple of 8 (32 is the default).</summary>
    public uint Alignment { get; }

    public GgufWriter(uint alignment = 32)
    {
        if (alignment == 0 || alignment % 8 != 0) throw new ArgumentException($"GGUF alignment must be a positive multiple of 8, got {alignment}");
        Alignment = alignment;
        AddUInt32(AlignmentKey, alignment);
    }

    public IReadOnlyCollection<string> Keys => _keys;
    public int TensorCount => _tensors.Count;

    public void AddUInt32(string key, uint value) => Add(key, GgufValueType.UInt32, w => w.Write(value));
    public void AddInt32(string key, int value) => Add(key, GgufValueType.Int32, w => w.Write(value));
    public void AddFloat32(string key, float value) => Add(key, GgufValueType.Float32, w => w.Write(value));
    public void AddBool(string key, bool value) => Add(key, GgufValueType.Bool, w => w.Write((byte)(value ? 1 : 0)));
    public void AddString(string key, string value) => Add(key, GgufValueType.String, w => WriteString(w, value));

    public void AddArray(string key, IReadOnlyList<string> values) =>
        AddArray(key, GgufValueType.String, values.Count, w => { foreach (var v in values) WriteString(w, v); });
    public void AddArray(string key, IReadOnlyList<float> values) =>
        AddArray(key, GgufValueType.Float32, values.Count, w => { foreach (var v in values) w.Write(v); });
    public void AddArray(string key, IReadOnlyList<int> values) =>
        AddArray(key, GgufValueType.Int32, values.Count, w => { foreach (var v in values) w.Write(v); });

    void AddArray(string key, GgufValueType elementType, int count, Action<BinaryWriter> elements) =>
        Add(key, GgufValueType.Array, w =>
        {
            w.Write((uint)elementType);
            w.Write((ulong)count);
            elements(w);
        });

    void Add(string key, GgufValueType type, Action<BinaryWriter> write)
    {
        if (string.IsNullOrEmpty(key) || Encoding.UTF8.GetByteCount(key) > 65535) throw new ArgumentException($"invalid GGUF key '{key}'");
        if (!_keys.Add(key)) throw new ArgumentException($"GGUF key '{key}' is already set");
        _metadata.Add((key, type, write));
    }

    /// <summary>
    /// Adds a tensor. <paramref name="shape"/> is in PyTorch order; <paramref name="values"/> returns the row-major
    /// float32 data when the file is written.
    /// </summary>
    public void AddTensor(string name, long[] shape, GgufTensorType type, Func<float[]> values)
    {
        if (Encoding.UTF8.GetByteCount(name) is 0 or > 64) throw new ArgumentException($"GGUF tensor name '{name}' must be 1–64 bytes");
        if (shape.Length is 0 or > 4) throw new ArgumentException($"{name}: GGUF tensors have 1–4 dimensions, got {shape.Length}");
        // ggml quantizes rows: a block never spans two rows.
        if (shape[^1] % GgufQuantizer.BlockSize(type) != 0)
            throw new ArgumentException($"{name}: {type} needs the innermost dimension ({shape[^1]}) to be a multiple of {GgufQuantizer.BlockSize(type)}");
        if (!_names.Add(name)) throw new ArgumentException($"GGUF tensor '{name}' is already added");
        _tensors.Add((name, (long[])shape.Clone(), type, values));
    }

    /// <summary>Publishes to <paramref name="path"/> with <see cref="AtomicFile"/>, so a failed export leaves no partial GGUF.</summary>
    public void WriteFile(string path) => AtomicFile.Write(path, Write, bufferSize: 1 << 20);

    public void Write(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, write) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)type);
            write(w);
        }
        ulong offset = 0;
        foreach (var (name, shape, type, _) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)shape.Length);
            for (int i = shape.Length - 1; i >= 0; i--) w.Write((ulong)shape[i]);
            w.Write((uint)type);
            w.Write(offset);
            offset += Pad((ulong)GgufQuantizer.ByteSize(type, shape.Aggregate(1L, (a, b) => a * b)));
        }
        w.Flush();
        WritePadding(w, (ulong)stream.Position);
        foreach (var (name, shape, type, values) in _tensors)
        {
            var data = values();
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (data.Length != count) throw new InvalidOperationException($"{name}: expected {count} values, got {data.Length}");
            var bytes = GgufQuantizer.Encode(type, data);
            w.Write(bytes);
            WritePadding(w, (ulong)bytes.Length);
        }
    }

    ulong Pad(ulong size) => (size + Alignment - 1) / Alignment * Alignment;

    void WritePadding(BinaryWriter w, ulong written)
    {
        for (ulong i = written; i < Pad(written); i++) w.Write((byte)0);
    }

    static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
