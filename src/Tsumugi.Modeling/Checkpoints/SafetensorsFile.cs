using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>
/// Reader of one <c>.safetensors</c> file. <see cref="Open"/> validates the whole header up front (dtypes, sizes,
/// offsets tiling the data buffer, file length), so <see cref="Read"/> cannot go out of range.
/// Data are read with positional reads (<see cref="RandomAccess"/>, pread) straight into the tensor's memory: one copy,
/// 64-bit offsets (tensors over 2 GB work), no address-space reservation, safe from several threads, and a file cut short
/// while open gives a clear error rather than the SIGBUS a memory map would raise.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    readonly SafeFileHandle _handle;
    readonly SafetensorsHeader _header;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries => _header.Entries;
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    SafetensorsFile(string path, SafeFileHandle handle, SafetensorsHeader header)
    {
        Path = path;
        _handle = handle;
        _header = header;
    }

    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors IO needs a little-endian CPU.");
        SafeFileHandle handle;
        try { handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new CheckpointException($"{path}: cannot open safetensors file ({e.Message}).", e); }
        try { return new SafetensorsFile(path, handle, SafetensorsHeader.Read(handle, path)); }
        catch { handle.Dispose(); throw; }
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new CPU tensor owned by the caller, converted to
    /// <paramref name="dtype"/> when given.</summary>
    public Tensor Read(string name, ScalarType? dtype = null)
    {
        if (!_header.Entries.TryGetValue(name, out var entry))
            throw new CheckpointException($"{Path}: no tensor named '{name}' (the file has {_header.Entries.Count} tensors).");
        SafetensorsDTypes.TryParse(entry.DType, out var fileType, out _);
        var result = empty(entry.Shape, dtype: fileType, device: CPU);
        try
        {
            long start = _header.DataStart + entry.Begin;
            TensorBytes.ForEachChunk(result, (chunk, offset) => SafetensorsHeader.ReadExactly(_handle, Path, chunk, start + offset));
            if (dtype is not ScalarType target || target == fileType) return result;
            var converted = result.to(target);
            result.Dispose();
            return converted;
        }
        catch { result.Dispose(); throw; }
    }

    /// <summary>Reads tensor <paramref name="name"/> into <paramref name="destination"/> (same shape, any dtype and device).
    /// A contiguous CPU destination of the file's dtype is filled straight from the file, with no temporary tensor;
    /// otherwise the tensor is read, converted and copied. Call under <c>no_grad</c> when the destination is a parameter.</summary>
    public void ReadInto(string name, Tensor destination)
    {
        if (!_header.Entries.TryGetValue(name, out var entry))
            throw new CheckpointException($"{Path}: no tensor named '{name}' (the file has {_header.Entries.Count} tensors).");
        if (!entry.Shape.SequenceEqual(destination.shape))
            throw new CheckpointException($"{Path}: tensor '{name}' has shape [{string.Join(", ", entry.Shape)}] in the file but the destination has [{string.Join(", ", destination.shape)}].");
        SafetensorsDTypes.TryParse(entry.DType, out var fileType, out _);
        if (destination.device_type == TorchSharp.DeviceType.CPU && destination.dtype == fileType && destination.is_contiguous())
        {
            long start = _header.DataStart + entry.Begin;
            TensorBytes.ForEachChunk(destination, (chunk, offset) => SafetensorsHeader.ReadExactly(_handle, Path, chunk, start + offset));
            return;
        }
        using var value = Read(name, destination.dtype);
        destination.copy_(value);
    }

    /// <summary>Reads raw bytes of tensor <paramref name="name"/> (file dtype, little-endian) starting
    /// <paramref name="byteOffset"/> bytes into it: for tools that stream tensors through plain spans without TorchSharp
    /// (merging), a slice at a time.</summary>
    public void ReadBytes(string name, Span<byte> destination, long byteOffset = 0)
    {
        if (!_header.Entries.TryGetValue(name, out var entry))
            throw new CheckpointException($"{Path}: no tensor named '{name}' (the file has {_header.Entries.Count} tensors).");
        if (byteOffset < 0 || byteOffset + destination.Length > entry.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"{Path}: bytes [{byteOffset}, {byteOffset + destination.Length}) lie outside tensor '{name}' ({entry.ByteLength} bytes).");
        SafetensorsHeader.ReadExactly(_handle, Path, destination, _header.DataStart + entry.Begin + byteOffset);
    }

    public void Dispose() => _handle.Dispose();
}
