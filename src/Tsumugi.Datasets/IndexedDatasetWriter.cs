using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Tsumugi.Common;

namespace Tsumugi.Datasets;

/// <summary>
/// Writes a Megatron <c>MMIDIDX</c> dataset (<c>PREFIX.bin</c> + <c>PREFIX.idx</c>), one sequence per document.
/// Tokens stream to a <see cref="PendingFile"/> beside <c>PREFIX.bin</c>; only lengths stay in memory.
/// <see cref="Complete"/> writes the index and publishes both files (the <c>.idx</c> last), so a reader never sees a
/// half-written dataset. Disposing without <see cref="Complete"/> deletes the temporary files.
/// </summary>
public sealed class IndexedDatasetWriter : IDisposable
{
    internal static ReadOnlySpan<byte> Magic => "MMIDIDX\0\0"u8;

    private readonly string _prefix;
    private readonly IndexedDatasetWriterOptions _options;
    private readonly PendingFile _bin;
    private PendingFile? _idx;
    private readonly int _itemSize;
    private readonly List<int> _lengths = [];
    private byte[] _buffer = new byte[1 << 16];
    private long _tokens;
    private bool _completed;
    private bool _disposed;

    public IndexedDatasetWriter(string prefix, IndexedDatasetWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DType = options.DType ?? TokenDTypes.ForVocabulary(options.VocabularySize);
        if (!TokenDTypes.IsTokenType(DType)) throw new ArgumentException($"dtype {TokenDTypes.Name(DType)} cannot store token ids", nameof(options));
        if (options.VocabularySize <= 0 || options.VocabularySize - 1 > TokenDTypes.MaxValue(DType))
            throw new ArgumentException($"vocabulary size {options.VocabularySize} does not fit dtype {TokenDTypes.Name(DType)}", nameof(options));
        if (options.EosId is { } eos && (eos < 0 || eos >= options.VocabularySize))
            throw new ArgumentException($"EOS id {eos} is outside the vocabulary [0, {options.VocabularySize})", nameof(options));
        _prefix = Path.GetFullPath(prefix);
        _options = options;
        _itemSize = TokenDTypes.ItemSize(DType);
        Directory.CreateDirectory(Path.GetDirectoryName(_prefix)!);
        _bin = AtomicFile.Create(_prefix + ".bin", bufferSize: 1 << 20);
    }

    /// <summary>dtype of the stored token values.</summary>
    public TokenDType DType { get; }

    /// <summary>Documents added so far.</summary>
    public long DocumentCount => _lengths.Count;

    /// <summary>Tokens written so far (EOS included).</summary>
    public long TokenCount => _tokens;

    /// <summary>Appends one document (and EOS when configured). Every id must be in [0, vocabulary size).</summary>
    public void Add(ReadOnlySpan<int> tokens)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        var length = tokens.Length + (_options.EosId.HasValue ? 1 : 0);
        var bytes = length * _itemSize;
        if (_buffer.Length < bytes) _buffer = new byte[Math.Max(bytes, _buffer.Length * 2)];
        var vocab = _options.VocabularySize;
        for (var i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"document {_lengths.Count}: token {i} = {tokens[i]} is outside the vocabulary [0, {vocab})");
        }
        var span = _buffer.AsSpan(0, bytes);
        Encode(tokens, span[..(tokens.Length * _itemSize)]);
        if (_options.EosId is { } eos) Encode([eos], span[(tokens.Length * _itemSize)..]);
        _bin.Stream.Write(span);
        _lengths.Add(length);
        _tokens += length;
    }

    /// <summary>
    /// Appends every sequence of another dataset by copying its <c>.bin</c> bytes (Megatron <c>add_index</c>): merges
    /// shards tokenized in parallel. The dtype must match; no EOS is added (the shard has its own).
    /// </summary>
    public void AddDataset(IndexedDataset other)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        if (other.DType != DType)
            throw new ArgumentException($"{other.IndexPath} stores {TokenDTypes.Name(other.DType)}, this dataset {TokenDTypes.Name(DType)}; merge only shards of one tokenizer", nameof(other));
        if (other.SequenceCount == 0) return;
        var start = other.GetPointer(0);
        var contiguous = true;
        for (long i = 0, expected = start; i < other.SequenceCount && contiguous; expected += (long)other.GetLength((int)i) * _itemSize, i++)
            contiguous = other.GetPointer((int)i) == expected;
        if (contiguous)
        {
            var bytes = other.TokenCount * _itemSize;
            using var source = new FileStream(other.BinPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            source.Position = start;
            var buffer = new byte[1 << 20];
            for (var left = bytes; left > 0;)
            {
                var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n == 0) throw new IndexedDatasetException(other.BinPath, "file", "ended while copying (changed on disk?)");
                _bin.Stream.Write(buffer, 0, n);
                left -= n;
            }
        }
        else
        {
            // Another tool may lay sequences out of order; re-encode them one by one.
            for (var i = 0; i < other.SequenceCount; i++)
            {
                var ids = other.GetSequence(i);
                var span = new byte[ids.Length * _itemSize];
                Encode(ids, span);
                _bin.Stream.Write(span);
            }
        }
        for (var i = 0; i < other.SequenceCount; i++) _lengths.Add(other.GetLength(i));
        _tokens += other.TokenCount;
    }

    private void Encode(ReadOnlySpan<int> tokens, Span<byte> destination)
    {
        switch (DType)
        {
            case TokenDType.UInt16:
            {
                var d = MemoryMarshal.Cast<byte, ushort>(destination);
                for (var i = 0; i < tokens.Length; i++) d[i] = (ushort)tokens[i];
                break;
            }
            case TokenDType.Int32:
                MemoryMarshal.AsBytes(tokens).CopyTo(destination);
                break;
            case TokenDType.UInt8:
            case TokenDType.Int8:
                for (var i = 0; i < tokens.Length; i++) destination[i] = (byte)tokens[i];
                break;
            case TokenDType.Int16:
            {
                var d = MemoryMarshal.Cast<byte, short>(destination);
                for (var i = 0; i < tokens.Length; i++) d[i] = (short)tokens[i];
                break;
            }
            case TokenDType.Int64:
            {
                var d = MemoryMarshal.Cast<byte, long>(destination);
                for (var i = 0; i < tokens.Length; i++) d[i] = tokens[i];
                break;
            }
            default:
                throw new InvalidOperationException($"dtype {DType} cannot store tokens");
        }
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the MMIDIDX format is little-endian");
    }

    /// <summary>Writes the index, moves both files into place and (optionally) updates manifest.json.</summary>
    public DatasetManifestEntry Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        _idx = AtomicFile.Create(_prefix + ".idx", bufferSize: 1 << 20);
        WriteIndex(_idx.Stream);
        _bin.Commit();
        _idx.Commit();
        _completed = true;
        var entry = new DatasetManifestEntry
        {
            Name = Path.GetFileName(_prefix),
            Tokens = _tokens,
            Documents = _lengths.Count,
            DType = TokenDTypes.Name(DType),
            VocabularySize = _options.VocabularySize,
            EosId = _options.EosId,
            TokenizerHash = _options.TokenizerHash,
            Domain = _options.Domain,
            Complete = true,
        };
        if (_options.WriteManifest) DatasetManifest.Upsert(Path.GetDirectoryName(_prefix)!, entry);
        return entry;
    }

    private void WriteIndex(Stream idx)
    {
        var s = _lengths.Count;
        var header = new byte[34];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(9), 1);
        header[17] = (byte)DType;
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(18), (ulong)s);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(26), (ulong)s + 1);
        idx.Write(header);
        idx.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_lengths)));
        var chunk = new long[8192];
        long pointer = 0;
        // sequence_pointers: byte offset of each sequence (cumulative length × item size).
        for (var start = 0; start < s; start += chunk.Length)
        {
            var n = Math.Min(chunk.Length, s - start);
            for (var i = 0; i < n; i++)
            {
                chunk[i] = pointer;
                pointer += (long)_lengths[start + i] * _itemSize;
            }
            idx.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, n)));
        }
        // document_indices: 0, 1, …, S — one sequence per document.
        for (long start = 0; start <= s; start += chunk.Length)
        {
            var n = (int)Math.Min(chunk.Length, s + 1 - start);
            for (var i = 0; i < n; i++) chunk[i] = start + i;
            idx.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, n)));
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_completed) return;
        _bin.Dispose();
        _idx?.Dispose();
    }
}
