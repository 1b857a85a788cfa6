using System.Buffers.Binary;
using Tsumugi.Datasets;

namespace Tsumugi.Datasets.Tests;

public class IndexedDatasetRoundTripTests
{
    [Fact]
    public void Uint16RoundTripAppendsEosAndCountsIt()
    {
        using var dir = new TempDirectory();
        List<int[]> docs = [[5, 6, 7], [], [65_498, 1]];
        var prefix = TestData.Write(dir.Path, "ja", docs, vocab: 65_499, eos: 2);
        using var ds = IndexedDataset.Open(prefix);
        Assert.Equal(TokenDType.UInt16, ds.DType);
        Assert.Equal(3, ds.SequenceCount);
        Assert.Equal(3, ds.DocumentCount);
        Assert.Equal(8, ds.TokenCount);
        Assert.Equal(new[] { 5, 6, 7, 2 }, ds.GetSequence(0));
        Assert.Equal(new[] { 2 }, ds.GetSequence(1));
        Assert.Equal(new[] { 65_498, 1, 2 }, ds.GetSequence(2));
        Assert.Equal(10, ds.GetPointer(2)); // (4 + 1) tokens × 2 bytes
        var part = new int[2];
        ds.Read(0, 1, part);
        Assert.Equal(new[] { 6, 7 }, part);
    }

    [Fact]
    public void LargeVocabularyUsesInt32AndKeepsIdsAboveUint16()
    {
        using var dir = new TempDirectory();
        var prefix = TestData.Write(dir.Path, "big", [[70_000, 1, 99_999]], vocab: 100_000, eos: null);
        using var ds = IndexedDataset.Open(prefix + ".idx");
        Assert.Equal(TokenDType.Int32, ds.DType);
        Assert.Equal(new[] { 70_000, 1, 99_999 }, ds.GetSequence(0));
        Assert.Equal(12, new FileInfo(prefix + ".bin").Length);
    }

    [Theory]
    [InlineData(65_499, TokenDType.UInt16)]
    [InlineData(65_500, TokenDType.Int32)]
    public void DtypeThresholdFollowsMegatron(int vocab, TokenDType expected) => Assert.Equal(expected, TokenDTypes.ForVocabulary(vocab));

    [Theory]
    [InlineData(TokenDType.UInt8, 200)]
    [InlineData(TokenDType.Int8, 100)]
    [InlineData(TokenDType.Int16, 30_000)]
    [InlineData(TokenDType.Int64, 1_000_000)]
    public void EveryIntegerDtypeReadsBack(TokenDType dtype, int vocab)
    {
        using var dir = new TempDirectory();
        var prefix = dir.File("t");
        using (var w = new IndexedDatasetWriter(prefix, new() { VocabularySize = vocab, DType = dtype, EosId = 1 }))
        {
            w.Add([0, vocab - 1, vocab / 2]);
            w.Complete();
        }
        using var ds = IndexedDataset.Open(prefix);
        Assert.Equal(dtype, ds.DType);
        Assert.Equal(new[] { 0, vocab - 1, vocab / 2, 1 }, ds.GetSequence(0));
        Assert.Equal(4L * TokenDTypes.ItemSize(dtype), new FileInfo(prefix + ".bin").Length);
    }

    [Fact]
    public void DtypeTooSmallForTheVocabularyIsRefused()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentException>(() => new IndexedDatasetWriter(dir.File("x"), new() { VocabularySize = 70_000, DType = TokenDType.UInt16 }));
    }

    [Fact]
    public void IndexBytesFollowTheMegatronLayout()
    {
        using var dir = new TempDirectory();
        var prefix = TestData.Write(dir.Path, "x", [[1, 2], [3]], vocab: 10, eos: 9);
        var idx = File.ReadAllBytes(prefix + ".idx");
        // datatrove: size = 9+8+1+8+8+8 + 20·S for S single-sequence documents.
        Assert.Equal(42 + 20 * 2, idx.Length);
        Assert.Equal("MMIDIDX\0\0"u8.ToArray(), idx[..9]);
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(idx.AsSpan(9)));
        Assert.Equal(8, idx[17]);
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(idx.AsSpan(18)));
        Assert.Equal(3UL, BinaryPrimitives.ReadUInt64LittleEndian(idx.AsSpan(26)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(idx.AsSpan(34)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(idx.AsSpan(38)));
        Assert.Equal(0L, BinaryPrimitives.ReadInt64LittleEndian(idx.AsSpan(42)));
        Assert.Equal(6L, BinaryPrimitives.ReadInt64LittleEndian(idx.AsSpan(50)));
        Assert.Equal(new long[] { 0, 1, 2 }, Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadInt64LittleEndian(idx.AsSpan(58 + 8 * i))));
        Assert.Equal(new byte[] { 1, 0, 2, 0, 9, 0, 3, 0, 9, 0 }, File.ReadAllBytes(prefix + ".bin"));
    }

    [Fact]
    public void ManifestRecordsEveryDatasetInTheDirectory()
    {
        using var dir = new TempDirectory();
        var prefix = Path.Combine(dir.Path, "code");
        using (var w = new IndexedDatasetWriter(prefix, new() { VocabularySize = 32_000, EosId = 1, TokenizerHash = "abc123", Domain = "code" }))
        {
            w.Add([4, 5]);
            w.Add([6]);
            w.Complete();
        }
        TestData.Write(dir.Path, "ja", [[7]]);
        var manifest = DatasetManifest.Load(dir.Path);
        Assert.Equal(new[] { "code", "ja" }, manifest.Datasets.Select(d => d.Name));
        var code = manifest.Find("code")!;
        Assert.Equal(5, code.Tokens);
        Assert.Equal(2, code.Documents);
        Assert.Equal("uint16", code.DType);
        Assert.Equal(32_000, code.VocabularySize);
        Assert.Equal("abc123", code.TokenizerHash);
        Assert.Equal("code", code.Domain);
        Assert.Contains("\"tokenizer_hash\": \"abc123\"", File.ReadAllText(Path.Combine(dir.Path, "manifest.json")));
    }

    [Fact]
    public void WritersFinishingInParallelAllReachTheSharedManifest()
    {
        using var dir = new TempDirectory();
        Parallel.For(0, 8, i => TestData.Write(dir.Path, $"shard{i}", [[i + 1]]));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"shard{i}"), DatasetManifest.Load(dir.Path).Datasets.Select(d => d.Name));
    }

    [Fact]
    public void AbandonedWriterLeavesNoFilesAndKeepsThePreviousDataset()
    {
        using var dir = new TempDirectory();
        var prefix = TestData.Write(dir.Path, "d", [[1, 2, 3]]);
        using (var w = new IndexedDatasetWriter(prefix, new() { VocabularySize = 100 }))
        {
            w.Add([4]);
            // no Complete: e.g. the tokenizer crashed
        }
        Assert.Equal(new[] { "d.bin", "d.idx", "manifest.json", "manifest.json.lock" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
        using var ds = IndexedDataset.Open(prefix);
        Assert.Equal(new[] { 1, 2, 3, 0 }, ds.GetSequence(0));
    }

    [Fact]
    public void TokenOutsideTheVocabularyIsRefused()
    {
        using var dir = new TempDirectory();
        using var w = new IndexedDatasetWriter(dir.File("v"), new() { VocabularySize = 100 });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => w.Add([1, 100]));
        Assert.Contains("token 1 = 100", e.Message);
    }

    [Fact]
    public void ShardsMergeIntoOneDatasetLikeMegatronAddIndex()
    {
        using var dir = new TempDirectory();
        var a = TestData.Write(dir.Path, "a", [[1, 2], [3]], eos: 9);
        var b = TestData.Write(dir.Path, "b", [[4, 5, 6]], eos: 9);
        using (var merged = new IndexedDatasetWriter(dir.File("all"), new() { VocabularySize = 60_000, EosId = 9 }))
        {
            using (var da = IndexedDataset.Open(a)) merged.AddDataset(da);
            merged.Add([7]);
            using (var db = IndexedDataset.Open(b)) merged.AddDataset(db);
            Assert.Equal(11, merged.Complete().Tokens);
        }
        using var all = IndexedDataset.Open(dir.File("all"));
        Assert.Equal(new[] { new[] { 1, 2, 9 }, [3, 9], [7, 9], [4, 5, 6, 9] }, Enumerable.Range(0, 4).Select(all.GetSequence));
    }

    [Fact]
    public void ShardsOfAnotherDtypeAreRefused()
    {
        using var dir = new TempDirectory();
        var small = TestData.Write(dir.Path, "small", [[1]], vocab: 1000);
        using var ds = IndexedDataset.Open(small);
        using var w = new IndexedDatasetWriter(dir.File("big"), new() { VocabularySize = 100_000 });
        Assert.Contains("uint16", Assert.Throws<ArgumentException>(() => w.AddDataset(ds)).Message);
    }
}
