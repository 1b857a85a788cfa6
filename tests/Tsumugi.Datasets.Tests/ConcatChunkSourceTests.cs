using Tsumugi.Datasets;
using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Tests;

public class ConcatChunkSourceTests
{
    private const int Eos = 0;

    [Fact]
    public void UnshuffledRowsAreTheEosSeparatedStreamCutEverySeqLengthWithOneTokenOverlap()
    {
        using var dir = new TempDirectory();
        var docs = TestData.RandomDocuments(40, 30, seed: 1);
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", docs, eos: Eos));
        var source = new ConcatChunkSource(ds, new SamplerOptions { SequenceLength = 16, Shuffle = false }, "d", 0);
        var stream = docs.SelectMany(d => d.Append(Eos)).ToArray();
        Assert.Equal((stream.Length - 1) / 16, source.SamplesPerEpoch);
        for (var k = 0; k < source.SamplesPerEpoch; k++)
        {
            var row = source.GetSample(k);
            Assert.Equal(stream.AsSpan(k * 16, 17).ToArray(), row.Tokens);
            Assert.Equal(row.Tokens, row.Labels); // never pre-shifted
        }
    }

    [Fact]
    public void DocumentBoundariesFallAfterEachEosAndPositionIdsRestartThere()
    {
        using var dir = new TempDirectory();
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", [[11, 12, 13], [21, 22], [31, 32, 33, 34, 35, 36]], eos: Eos));
        var source = new ConcatChunkSource(ds, new SamplerOptions { SequenceLength = 6, Shuffle = false }, "d", 0);
        var row = source.GetSample(0); // 11 12 13 0 21 22 0
        Assert.Equal(new[] { 4, 3 }, row.DocumentLengths);
        Assert.Equal(new[] { 0, 1, 2, 3, 0, 1, 2 }, row.GetPositionIds());
        Assert.Equal(new[] { 0, 4, 7 }, row.GetCumulativeLengths());
        var second = source.GetSample(1); // starts on the last EOS of doc 1: 0 31 32 33 34 35 36
        Assert.Equal(new[] { 0, 31, 32, 33, 34, 35, 36 }, second.Tokens);
        Assert.Equal(new[] { 1, 6 }, second.DocumentLengths);
    }

    [Fact]
    public void ShuffledEpochTrainsOnEachTokenAtMostOnceAndMissesLessThanOneRow()
    {
        using var dir = new TempDirectory();
        var docs = TestData.RandomDocuments(300, 99, seed: 2); // ids unique per (document, position)
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", docs, eos: Eos));
        var source = new ConcatChunkSource(ds, new SamplerOptions { SequenceLength = 32, Seed = 5 }, "d", 0);
        var seen = new HashSet<int>();
        for (var k = 0; k < source.SamplesPerEpoch; k++)
            foreach (var t in source.GetSample(k).Tokens[..32].Where(t => t != Eos))
                Assert.True(seen.Add(t), $"token {t} trained twice in one epoch");
        var all = docs.Sum(d => d.Length);
        Assert.InRange(all - seen.Count, 0, 32);
    }

    [Fact]
    public void SameSeedSameRowsOtherSeedOrEpochOtherRows()
    {
        using var dir = new TempDirectory();
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", TestData.RandomDocuments(100, 50, 3)));
        ConcatChunkSource Make(long seed) => new(ds, new SamplerOptions { SequenceLength = 16, Seed = seed }, "d", 0);
        var a = Make(7);
        var b = Make(7);
        var c = Make(8);
        var n = a.SamplesPerEpoch;
        Assert.Equal(a.GetSample(3).Tokens, b.GetSample(3).Tokens);
        Assert.Equal(a.GetSample(n + 3).Tokens, b.GetSample(n + 3).Tokens);
        Assert.NotEqual(a.GetSample(3).Tokens, c.GetSample(3).Tokens);
        Assert.NotEqual(a.GetSample(3).Tokens, a.GetSample(n + 3).Tokens);
    }

    [Fact]
    public void VirtualEosSeparatesDocumentsStoredWithoutOne()
    {
        using var dir = new TempDirectory();
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", [[5, 6], [7, 8, 9]], eos: null));
        var source = new ConcatChunkSource(ds, new SamplerOptions { SequenceLength = 5, Shuffle = false, AppendEosId = 3 }, "d", 0);
        Assert.Equal(new[] { 5, 6, 3, 7, 8, 9 }, source.GetSample(0).Tokens);
    }

    [Fact]
    public void DatasetSmallerThanOneRowIsRefused()
    {
        using var dir = new TempDirectory();
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "tiny", [[1, 2]]));
        var e = Assert.Throws<ArgumentException>(() => new ConcatChunkSource(ds, new SamplerOptions { SequenceLength = 8 }, "tiny", 0));
        Assert.Contains("'tiny'", e.Message);
    }
}
