using Tsumugi.Datasets;
using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Tests;

public class BestFitSourceTests
{
    private const int Pad = 59_999;

    [Fact]
    public void DocumentsThatFitAreNeverSplitAndEachAppearsOncePerEpoch()
    {
        using var dir = new TempDirectory();
        var docs = TestData.RandomDocuments(400, 60, seed: 4); // with EOS: 2…61 tokens, row = 65
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", docs, eos: 0));
        var source = new BestFitSource(ds, new SamplerOptions { SequenceLength = 64, Packing = PackingMode.BestFit, PadId = Pad, Seed = 9 }, "d", 0);
        var byFirstToken = docs.Select((d, i) => (d, i)).ToDictionary(x => x.d[0], x => x.d.Append(0).ToArray());
        var seen = new HashSet<int>();
        for (var k = 0; k < source.SamplesPerEpoch; k++)
        {
            var row = source.GetSample(k);
            Assert.Equal(65, row.Tokens.Length);
            var at = 0;
            foreach (var length in row.DocumentLengths)
            {
                var piece = row.Tokens.AsSpan(at, length).ToArray();
                Assert.True(byFirstToken.TryGetValue(piece[0], out var whole), "a piece does not start a document");
                Assert.Equal(whole, piece); // the whole document, EOS included
                Assert.True(seen.Add(piece[0]), "document packed twice");
                at += length;
            }
            Assert.Equal(65 - at, row.PaddingLength);
            Assert.All(row.Tokens[at..], t => Assert.Equal(Pad, t));
            Assert.All(row.Labels[at..], l => Assert.Equal(SamplerOptions.IgnoreLabel, l));
            Assert.Equal(row.Tokens[..at], row.Labels[..at]);
        }
        Assert.Equal(docs.Count, seen.Count);
    }

    [Fact]
    public void ShortDocumentsPackWithinAFewPercentOfTheVolumeLowerBound()
    {
        using var dir = new TempDirectory();
        var docs = TestData.RandomDocuments(2000, 90, seed: 5); // ids up to 200,000: an int32 dataset
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", docs, vocab: 250_000, eos: 0));
        var source = new BestFitSource(ds, new SamplerOptions { SequenceLength = 256, Packing = PackingMode.BestFit }, "d", 0);
        var lowerBound = (int)Math.Ceiling(docs.Sum(d => d.Length + 1) / 257.0);
        Assert.InRange(source.SamplesPerEpoch, lowerBound, lowerBound + 2);
        Assert.InRange(source.PaddingFraction, 0.0, 0.01);
    }

    [Fact]
    public void LongDocumentsAreChunkedIntoRowSizedPieces()
    {
        using var dir = new TempDirectory();
        var longDoc = Enumerable.Range(1, 24).ToArray(); // 25 with EOS, row = 10 → 10 + 10 + 5
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", [longDoc, [50, 51, 52, 53]], eos: 0));
        var source = new BestFitSource(ds, new SamplerOptions { SequenceLength = 9, Packing = PackingMode.BestFit, Shuffle = false }, "d", 0);
        var rows = Enumerable.Range(0, (int)source.SamplesPerEpoch).Select(k => source.GetSample(k)).ToList();
        Assert.Equal(3, rows.Count); // 10 | 10 | 5 + 5 (the short document fills the remainder chunk's row)
        var pieces = rows.SelectMany(r => r.DocumentLengths).Order().ToArray();
        Assert.Equal(new[] { 5, 5, 10, 10 }, pieces);
        var tokens = rows.SelectMany(r => r.Tokens.Take(10 - r.PaddingLength)).ToHashSet();
        Assert.Superset(longDoc.Append(50).ToHashSet(), tokens);
    }

    [Fact]
    public void PositionIdsRestartForEachPackedDocumentAndCountThroughPadding()
    {
        using var dir = new TempDirectory();
        using var ds = IndexedDataset.Open(TestData.Write(dir.Path, "d", [[1, 2], [3, 4, 5]], eos: 0));
        var source = new BestFitSource(ds, new SamplerOptions { SequenceLength = 9, Packing = PackingMode.BestFit, Shuffle = false }, "d", 0);
        var row = source.GetSample(0);
        Assert.Equal(new[] { 4, 3 }, row.DocumentLengths); // longest first
        Assert.Equal(new[] { 0, 1, 2, 3, 0, 1, 2, 0, 1, 2 }, row.GetPositionIds());
        Assert.Equal(new[] { 0, 4, 7, 10 }, row.GetCumulativeLengths());
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 }, row.GetSegmentIds());
    }

    [Fact]
    public void SegmentTreePackingMatchesANaiveBestFitDecreasing()
    {
        var random = new Random(11);
        for (var trial = 0; trial < 50; trial++)
        {
            var capacity = random.Next(2, 40);
            var lengths = Enumerable.Range(0, random.Next(1, 200)).Select(_ => random.Next(1, capacity + 1)).ToArray();
            var binOf = new int[lengths.Length];
            var bins = BestFitPacker.Pack(lengths, capacity, binOf);

            var naive = new List<int>(); // remaining space per bin
            foreach (var l in lengths.OrderByDescending(x => x))
            {
                var best = -1;
                for (var b = 0; b < naive.Count; b++)
                    if (naive[b] >= l && (best < 0 || naive[b] < naive[best])) best = b;
                if (best < 0) naive.Add(capacity - l);
                else naive[best] -= l;
            }
            Assert.Equal(naive.Count, bins);
            var used = new int[bins];
            for (var i = 0; i < lengths.Length; i++) used[binOf[i]] += lengths[i];
            Assert.Equal(naive.Select(r => capacity - r).Order(), used.Order());
        }
    }
}
