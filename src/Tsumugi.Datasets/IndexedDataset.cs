using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Tsumugi.Datasets;

/// <summary>
/// A memory-mapped Megatron <c>MMIDIDX</c> dataset (<c>PREFIX.idx</c> + <c>PREFIX.bin</c>), written by Tsumugi or by
/// Megatron-LM / GPT-NeoX / datatrove. Opening validates the whole index against the <c>.bin</c> size, so a corrupt
/// file fails here with the file and field named, not later inside a training step. Thread-safe for reads.
/// </summary>
public sealed unsafe class IndexedDataset : IDisposable
{
    private const int HeaderSize = 34;

    private readonly MemoryMappedFile _idxFile;
    private readonly MemoryMappedViewAccessor _idxView;
    private readonly MemoryMappedFile? _binFile;
    private readonly MemoryMappedViewAccessor? _binView;
    private readonly byte* _idx;
    private readonly byte* _bin;
    private readonly int* _lengths;
    private readonly long* _pointers;
    private readonly long* _documentIndices;
    private readonly int _itemSize;
    private bool _disposed;

    private IndexedDataset(string prefix)
    {
        Prefix = prefix;
        IndexPath = prefix + ".idx";
        BinPath = prefix + ".bin";
        if (!File.Exists(IndexPath)) throw new IndexedDatasetException(IndexPath, "file", "missing (expected PREFIX.idx next to PREFIX.bin; give the prefix without extension)");
        if (!File.Exists(BinPath)) throw new IndexedDatasetException(BinPath, "file", "missing (the .idx exists but its .bin does not)");

        var idxSize = new FileInfo(IndexPath).Length;
        if (idxSize < HeaderSize) throw new IndexedDatasetException(IndexPath, "header", $"truncated: {idxSize} bytes, the header alone is {HeaderSize}");
        _idxFile = MemoryMappedFile.CreateFromFile(IndexPath, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _idxView = _idxFile.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* idx = null;
        _idxView.SafeMemoryMappedViewHandle.AcquirePointer(ref idx);
        _idx = idx + _idxView.PointerOffset;
        try
        {
            var header = new ReadOnlySpan<byte>(_idx, HeaderSize);
            if (!header[..9].SequenceEqual(IndexedDatasetWriter.Magic))
                throw new IndexedDatasetException(IndexPath, "magic", $"bad magic {Convert.ToHexString(header[..9])} (expected 4D4D4944494458 0000, \"MMIDIDX\\0\\0\"); not a Megatron mmap index");
            var version = BinaryPrimitives.ReadUInt64LittleEndian(header[9..]);
            if (version != 1) throw new IndexedDatasetException(IndexPath, "version", $"unsupported version {version} (only 1 exists)");
            DType = (TokenDType)header[17];
            _itemSize = TokenDTypes.ItemSize(DType);
            if (_itemSize == 0) throw new IndexedDatasetException(IndexPath, "dtype", $"unknown dtype code {header[17]} (Megatron codes are 1–8)");
            if (!TokenDTypes.IsTokenType(DType)) throw new IndexedDatasetException(IndexPath, "dtype", $"dtype {TokenDTypes.Name(DType)} (code {header[17]}) cannot hold token ids");
            var s = BinaryPrimitives.ReadUInt64LittleEndian(header[18..]);
            var d = BinaryPrimitives.ReadUInt64LittleEndian(header[26..]);
            if (s > int.MaxValue) throw new IndexedDatasetException(IndexPath, "sequence_count", $"{s} sequences is more than this reader supports ({int.MaxValue}); split the dataset");
            if (d < 1 || d > (ulong)int.MaxValue + 1) throw new IndexedDatasetException(IndexPath, "document_count", $"{d} is invalid (it counts the leading 0, so it is at least 1)");
            var needed = HeaderSize + 12L * (long)s + 8L * (long)d;
            if (idxSize < needed)
                throw new IndexedDatasetException(IndexPath, "sequence_lengths/sequence_pointers/document_indices", $"truncated index: {idxSize} bytes, {needed} needed for {s} sequences and {d} document indices");
            SequenceCount = (int)s;
            _lengths = (int*)(_idx + HeaderSize);
            _pointers = (long*)(_idx + HeaderSize + 4L * SequenceCount);
            _documentIndices = (long*)(_idx + HeaderSize + 12L * SequenceCount);
            DocumentCount = (int)(d - 1);
            if (_documentIndices[0] != 0 || _documentIndices[DocumentCount] != SequenceCount)
                throw new IndexedDatasetException(IndexPath, "document_indices", $"must run from 0 to sequence_count {SequenceCount}, found {_documentIndices[0]} … {_documentIndices[DocumentCount]}");

            var binSize = new FileInfo(BinPath).Length;
            long tokens = 0;
            for (var i = 0; i < SequenceCount; i++)
            {
                var length = _lengths[i];
                var pointer = _pointers[i];
                if (length < 0) throw new IndexedDatasetException(IndexPath, "sequence_lengths", $"sequence {i} has negative length {length}");
                if (pointer < 0 || pointer % _itemSize != 0 || pointer + (long)length * _itemSize > binSize)
                    throw new IndexedDatasetException(IndexPath, "sequence_pointers",
                        $"sequence {i} spans bytes [{pointer}, {pointer + (long)length * _itemSize}) but {BinPath} has {binSize} bytes (truncated .bin or mismatched .idx)");
                tokens += length;
            }
            TokenCount = tokens;
            if (binSize > 0)
            {
                _binFile = MemoryMappedFile.CreateFromFile(BinPath, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
                _binView = _binFile.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                byte* bin = null;
                _binView.SafeMemoryMappedViewHandle.AcquirePointer(ref bin);
                _bin = bin + _binView.PointerOffset;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens <c>prefix.idx</c>/<c>prefix.bin</c>; a trailing <c>.idx</c> or <c>.bin</c> on the prefix is tolerated.</summary>
    public static IndexedDataset Open(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (prefix.EndsWith(".idx", StringComparison.Ordinal) || prefix.EndsWith(".bin", StringComparison.Ordinal)) prefix = prefix[..^4];
        return new IndexedDataset(Path.GetFullPath(prefix));
    }

    public string Prefix { get; }
    public string IndexPath { get; }
    public string BinPath { get; }
    public TokenDType DType { get; }

    /// <summary>Stored sequences; for language-model data one sequence is one document.</summary>
    public int SequenceCount { get; }

    /// <summary>Documents (<c>document_count − 1</c>, as Megatron logs it).</summary>
    public int DocumentCount { get; }

    /// <summary>Sum of all sequence lengths.</summary>
    public long TokenCount { get; }

    /// <summary>Tokens in sequence <paramref name="sequence"/>.</summary>
    public int GetLength(int sequence)
    {
        CheckSequence(sequence);
        return _lengths[sequence];
    }

    /// <summary>Byte offset of sequence <paramref name="sequence"/> in the <c>.bin</c>.</summary>
    public long GetPointer(int sequence)
    {
        CheckSequence(sequence);
        return _pointers[sequence];
    }

    /// <summary>First sequence of each document and the end: <c>document_indices</c>, length DocumentCount + 1.</summary>
    public long[] GetDocumentIndices() => new ReadOnlySpan<long>(_documentIndices, DocumentCount + 1).ToArray();

    /// <summary>The whole sequence as int ids.</summary>
    public int[] GetSequence(int sequence)
    {
        var result = new int[GetLength(sequence)];
        Read(sequence, 0, result);
        return result;
    }

    /// <summary>Copies <c>destination.Length</c> ids of a sequence starting at <paramref name="offset"/>, widening to int.</summary>
    public void Read(int sequence, int offset, Span<int> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var length = GetLength(sequence);
        if (offset < 0 || destination.Length > length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + destination.Length}) is outside sequence {sequence} of length {length}");
        if (destination.Length == 0) return;
        var p = _bin + _pointers[sequence] + (long)offset * _itemSize;
        var n = destination.Length;
        switch (DType)
        {
            case TokenDType.UInt16:
                new ReadOnlySpan<ushort>(p, n).CopyWidened(destination);
                break;
            case TokenDType.Int32:
                new ReadOnlySpan<int>(p, n).CopyTo(destination);
                break;
            case TokenDType.UInt8:
                for (var i = 0; i < n; i++) destination[i] = p[i];
                break;
            case TokenDType.Int8:
                for (var i = 0; i < n; i++) destination[i] = ((sbyte*)p)[i];
                break;
            case TokenDType.Int16:
                for (var i = 0; i < n; i++) destination[i] = ((short*)p)[i];
                break;
            case TokenDType.Int64:
                for (var i = 0; i < n; i++) destination[i] = checked((int)((long*)p)[i]);
                break;
        }
    }

    private void CheckSequence(int sequence)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)sequence >= (uint)SequenceCount)
            throw new ArgumentOutOfRangeException(nameof(sequence), $"sequence {sequence} is outside [0, {SequenceCount}) in {IndexPath}");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_binView is not null)
        {
            _binView.SafeMemoryMappedViewHandle.ReleasePointer();
            _binView.Dispose();
        }
        _binFile?.Dispose();
        if (_idxView is not null)
        {
            if (_idx != null) _idxView.SafeMemoryMappedViewHandle.ReleasePointer();
            _idxView.Dispose();
        }
        _idxFile?.Dispose();
    }
}
