using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Tests.Sft;

public class SftPackingTests
{
    private static int[] RandomLengths(int n, int max, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => 1 + random.Next(max)).ToArray();
    }

    private static void AssertEachExampleOnce(IReadOnlyList<int> lengths, SftPackingPlan plan)
    {
        var seen = plan.Rows.SelectMany(r => r.Segments).Select(s => s.Example).Concat(plan.Skipped).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, lengths.Count), seen);
        foreach (var row in plan.Rows)
        {
            Assert.InRange(row.Used, 1, plan.SeqLength);
            var offset = 0;
            foreach (var s in row.Segments)
            {
                Assert.Equal(offset, s.Offset);
                Assert.Equal(Math.Min(lengths[s.Example], plan.SeqLength), s.Length);
                offset += s.Length;
            }
        }
    }

    [Theory]
    [InlineData(1, SftOverlong.Truncate)]
    [InlineData(2, SftOverlong.Skip)]
    [InlineData(3, SftOverlong.Truncate)]
    public void Pack_RandomLengths_EveryExampleOnceAndNoRowOverflows(int seed, SftOverlong overlong)
    {
        var lengths = RandomLengths(3000, 700, seed);

        var plan = SftBestFitPacker.Pack(lengths, 512, overlong, seed);

        AssertEachExampleOnce(lengths, plan);
        var over = lengths.Select((l, i) => (l, i)).Where(x => x.l > 512).Select(x => x.i).ToList();
        Assert.Equal(over, overlong == SftOverlong.Skip ? plan.Skipped : plan.Truncated);
        var expected = overlong == SftOverlong.Skip ? lengths.Where(l => l <= 512).Sum(l => (long)l) : lengths.Sum(l => (long)Math.Min(l, 512));
        Assert.Equal(expected, plan.Tokens);
    }

    [Fact]
    public void Pack_KnownLengths_FillsRowsExactlyAsBestFitDecreasing()
    {
        // BFD on 10: 7→A, 6→B, 4→B(4 left, best fit), 3→A, 2→C? no: after 7,6,4,3 rows are A=10, B=10; 2 opens C.
        int[] lengths = [3, 7, 2, 6, 4];

        var plan = SftBestFitPacker.Pack(lengths, 10, SftOverlong.Truncate, seed: 1);

        var rows = plan.Rows.Select(r => string.Join(",", r.Segments.Select(s => lengths[s.Example]))).Order().ToList();
        Assert.Equal(["2", "6,4", "7,3"], rows);
        Assert.Equal(22.0 / 30, plan.Efficiency, 12);
    }

    [Fact]
    public void Pack_SameSeed_SamePlan_OtherSeed_SameRowsOtherOrder()
    {
        var lengths = RandomLengths(500, 300, 9);

        var a = SftBestFitPacker.Pack(lengths, 256, SftOverlong.Truncate, seed: 5);
        var b = SftBestFitPacker.Pack(lengths, 256, SftOverlong.Truncate, seed: 5);
        var c = SftBestFitPacker.Pack(lengths, 256, SftOverlong.Truncate, seed: 6);

        static string Key(SftPackingPlan p) => string.Join("|", p.Rows.Select(r => string.Join(",", r.Segments)));
        Assert.Equal(Key(a), Key(b));
        Assert.NotEqual(Key(a), Key(c));
        Assert.Equal(a.Rows.Select(r => Key(new SftPackingPlan(256, [r], [], []))).Order(), c.Rows.Select(r => Key(new SftPackingPlan(256, [r], [], []))).Order());
    }

    [Fact]
    public void SegmentAndPositionIds_RestartPerExampleAndMarkPadding()
    {
        var row = new SftPackedRow([new SftPackedSegment(4, 0, 3), new SftPackedSegment(1, 3, 2)]);

        Assert.Equal([0, 0, 0, 1, 1, -1, -1], row.SegmentIds(7));
        Assert.Equal([0, 1, 2, 0, 1, 0, 0], row.PositionIds(7));
    }

    [Fact]
    public void Pack_ZeroLength_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => SftBestFitPacker.Pack([5, 0], 8, SftOverlong.Truncate, 1));
        Assert.Contains("example 1 has length 0", e.Message);
    }

    [Fact]
    public void Plan_LengthGrouped_EveryExampleOnceLongestBatchFirstAndLessPaddingThanRandom()
    {
        var lengths = RandomLengths(2000, 1000, 4);

        var grouped = SftLengthGroupedBatcher.Plan(lengths, batchSize: 8, megabatchFactor: 50, seqLength: 900, SftOverlong.Truncate, seed: 1);
        var random = SftLengthGroupedBatcher.Plan(lengths, batchSize: 8, megabatchFactor: 1, seqLength: 900, SftOverlong.Truncate, seed: 1);

        Assert.Equal(Enumerable.Range(0, 2000), grouped.Batches.SelectMany(b => b).Order());
        Assert.All(grouped.Batches, b => Assert.InRange(b.Length, 1, 8));
        Assert.Equal(900, grouped.PaddedLengths[0]);
        Assert.Equal(grouped.PaddedLengths.Max(), grouped.PaddedLengths[0]);
        for (var b = 0; b < grouped.Batches.Count; b++) Assert.Equal(grouped.Batches[b].Max(e => Math.Min(lengths[e], 900)), grouped.PaddedLengths[b]);
        Assert.Equal(lengths.Count(l => l > 900), grouped.Truncated.Count);
        Assert.True(grouped.Efficiency > random.Efficiency + 0.2, $"grouped {grouped.Efficiency:P1} vs random {random.Efficiency:P1}");
    }

    [Fact]
    public void Plan_SkipOverlong_LeavesThemOutAndSameSeedRepeats()
    {
        int[] lengths = [10, 500, 20, 30, 600];

        var a = SftLengthGroupedBatcher.Plan(lengths, 2, 2, 100, SftOverlong.Skip, seed: 3);
        var b = SftLengthGroupedBatcher.Plan(lengths, 2, 2, 100, SftOverlong.Skip, seed: 3);

        Assert.Equal([1, 4], a.Skipped);
        Assert.Equal([0, 2, 3], a.Batches.SelectMany(x => x).Order());
        Assert.Equal(a.Batches.Select(x => string.Join(",", x)), b.Batches.Select(x => string.Join(",", x)));
        Assert.Equal(60, a.Tokens);
    }
}
