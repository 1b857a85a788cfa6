using System.Buffers.Binary;
using Tsumugi.Datasets;

namespace Tsumugi.Datasets.Tests;

public class IndexedDatasetErrorTests
{
    private static (TempDirectory Dir, string Prefix) Valid()
    {
        var dir = new TempDirectory();
        var prefix = TestData.Write(dir.Path, "d", [[1, 2, 3], [4, 5]], vocab: 100, eos: 0);
        return (dir, prefix);
    }

    private static IndexedDatasetException Fails(string prefix) => Assert.Throws<IndexedDatasetException>(() => IndexedDataset.Open(prefix).Dispose());

    private static void Patch(string path, Action<byte[]> change)
    {
        var bytes = File.ReadAllBytes(path);
        change(bytes);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void MissingIdxIsNamed()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        File.Delete(prefix + ".idx");
        var e = Fails(prefix);
        Assert.EndsWith("d.idx", e.FilePath);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void MissingBinIsNamed()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        File.Delete(prefix + ".bin");
        var e = Fails(prefix);
        Assert.EndsWith("d.bin", e.FilePath);
        Assert.Equal("file", e.Field);
    }

    [Fact]
    public void BadMagic()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        Patch(prefix + ".idx", b => b[0] = (byte)'X');
        var e = Fails(prefix);
        Assert.Equal("magic", e.Field);
        Assert.Contains("d.idx", e.Message);
    }

    [Fact]
    public void UnsupportedVersion()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        Patch(prefix + ".idx", b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(9), 2));
        Assert.Equal("version", Fails(prefix).Field);
    }

    [Theory]
    [InlineData(7)]   // float32: a valid Megatron code, not token storage
    [InlineData(0)]
    [InlineData(42)]
    public void Unsupported_dtype(byte code)
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        Patch(prefix + ".idx", b => b[17] = code);
        Assert.Equal("dtype", Fails(prefix).Field);
    }

    [Fact]
    public void TruncatedIndex()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        var bytes = File.ReadAllBytes(prefix + ".idx");
        File.WriteAllBytes(prefix + ".idx", bytes[..^5]);
        var e = Fails(prefix);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("document_indices", e.Field);
    }

    [Fact]
    public void IndexShorterThanItsHeader()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        File.WriteAllBytes(prefix + ".idx", "MMIDIDX"u8.ToArray());
        Assert.Equal("header", Fails(prefix).Field);
    }

    [Fact]
    public void PointersBeyondTheBin()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        var bin = File.ReadAllBytes(prefix + ".bin");
        File.WriteAllBytes(prefix + ".bin", bin[..^2]);
        var e = Fails(prefix);
        Assert.Equal("sequence_pointers", e.Field);
        Assert.Contains("sequence 1", e.Message);
    }

    [Fact]
    public void DocumentIndicesThatDoNotEndAtTheSequenceCount()
    {
        var (dir, prefix) = Valid();
        using var _ = dir;
        Patch(prefix + ".idx", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(b.Length - 8), 5));
        Assert.Equal("document_indices", Fails(prefix).Field);
    }
}
