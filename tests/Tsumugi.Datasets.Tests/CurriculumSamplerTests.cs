using Tsumugi.Datasets;
using Tsumugi.Datasets.Sampling;

namespace Tsumugi.Datasets.Tests;

public class CurriculumSamplerTests
{
    [Fact]
    public void BlendingMatchesMegatronGreedyMaxErrorOrder()
    {
        var counts = new long[3];
        var picks = new List<int>();
        for (var k = 0; k < 10; k++)
        {
            var i = CurriculumSampler.Choose([0.5, 0.3, 0.2], counts, k);
            counts[i]++;
            picks.Add(i);
        }
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 0, 2, 0, 1, 0 }, picks);
    }

    private sealed class Fixture : IDisposable
    {
        private readonly TempDirectory _dir = new();
        private readonly string[] _prefixes;
        private readonly List<IndexedDataset> _open = [];

        public Fixture()
        {
            _prefixes =
            [
                TestData.Write(_dir.Path, "ja", TestData.RandomDocuments(80, 40, 1)),
                TestData.Write(_dir.Path, "code", TestData.RandomDocuments(30, 70, 2)),
                TestData.Write(_dir.Path, "math", TestData.RandomDocuments(20, 25, 3)),
            ];
        }

        /// <summary>A fresh sampler over freshly opened files, as a restarted process would build it.</summary>
        public CurriculumSampler Sampler(PackingMode mode, long seed = 42)
        {
            var options = new SamplerOptions { SequenceLength = 16, Seed = seed, Packing = mode };
            var sources = _prefixes.Select((p, i) =>
            {
                var ds = IndexedDataset.Open(p);
                _open.Add(ds);
                return SampleSources.Create(ds, options, Path.GetFileName(p), i);
            }).ToList();
            SamplerStage[] stages =
            [
                new("ja-first", 40, [0.9, 0.1, 0.0]),
                new("add-code-math", 60, [0.5, 0.3, 0.2]),
                new("clean-ja", 30, [1.0, 0.0, 0.0]),
            ];
            return new CurriculumSampler(sources, stages);
        }

        public void Dispose()
        {
            foreach (var d in _open) d.Dispose();
            _dir.Dispose();
        }
    }

    [Theory]
    [InlineData(PackingMode.Concat, 3)]
    [InlineData(PackingMode.Concat, 11)]   // inside stage 2, past an epoch of "math"
    [InlineData(PackingMode.BestFit, 7)]
    [InlineData(PackingMode.BestFit, 14)]  // in the last stage
    public void Resuming_from_saved_state_gives_the_same_batches_as_an_uninterrupted_run(PackingMode mode, int k)
    {
        using var f = new Fixture();
        const int batch = 8, steps = 20; // 160 rows: runs past the planned 130, into the last mixture
        var uninterrupted = f.Sampler(mode);
        var expected = Enumerable.Range(0, steps).Select(_ => uninterrupted.NextBatch(batch)).ToList();

        var first = f.Sampler(mode);
        for (var s = 0; s < k; s++) first.NextBatch(batch);
        var json = first.GetState().ToJson();

        var resumed = f.Sampler(mode);
        resumed.Restore(SamplerState.FromJson(json));
        for (var s = k; s < steps; s++)
        {
            var b = resumed.NextBatch(batch);
            Assert.Equal(expected[s].Tokens, b.Tokens);
            Assert.Equal(expected[s].Labels, b.Labels);
            Assert.Equal(expected[s].PositionIds, b.PositionIds);
            Assert.Equal(expected[s].DatasetIndices, b.DatasetIndices);
        }
    }

    [Fact]
    public void StagesFollowTheirMixturesAndDatasetsContinueAcrossStages()
    {
        using var f = new Fixture();
        var sampler = f.Sampler(PackingMode.Concat);
        var rows = Enumerable.Range(0, 130).Select(_ => sampler.Next()).ToList();
        Assert.All(rows[..40], r => Assert.Equal(0, r.StageIndex));
        Assert.Equal(36, rows[..40].Count(r => r.DatasetIndex == 0));
        Assert.Equal(0, rows[..40].Count(r => r.DatasetIndex == 2));
        var middle = rows[40..100];
        Assert.Equal((30, 18, 12), (middle.Count(r => r.DatasetIndex == 0), middle.Count(r => r.DatasetIndex == 1), middle.Count(r => r.DatasetIndex == 2)));
        Assert.All(rows[100..], r => Assert.Equal((2, 0), (r.StageIndex, r.DatasetIndex)));
        Assert.Equal(new long[] { 36 + 30 + 30, 4 + 18, 12 }, sampler.Cursors);
        // Prefix property: after every row of stage 2, each share is within one row of its target.
        var counts = new int[3];
        for (var i = 0; i < middle.Count; i++)
        {
            counts[middle[i].DatasetIndex]++;
            double[] w = [0.5, 0.3, 0.2];
            for (var d = 0; d < 3; d++) Assert.InRange(counts[d] - w[d] * (i + 1), -1.0, 1.0);
        }
    }

    [Fact]
    public void StateFromAnotherPlanIsRefused()
    {
        using var f = new Fixture();
        var a = f.Sampler(PackingMode.Concat, seed: 1);
        a.NextBatch(4);
        var b = f.Sampler(PackingMode.Concat, seed: 2);
        var e = Assert.Throws<InvalidOperationException>(() => b.Restore(a.GetState()));
        Assert.Contains("different data plan", e.Message);
    }

    [Fact]
    public void BatchFlattensRowsInOrder()
    {
        using var f = new Fixture();
        var reference = f.Sampler(PackingMode.BestFit);
        var rows = Enumerable.Range(0, 3).Select(_ => reference.Next()).ToList();
        var batch = f.Sampler(PackingMode.BestFit).NextBatch(3);
        Assert.Equal((3, 17), (batch.BatchSize, batch.RowLength));
        Assert.Equal(rows.SelectMany(r => r.Tokens), batch.Tokens);
        Assert.Equal(rows.SelectMany(r => r.GetPositionIds()), batch.PositionIds);
        Assert.Equal(rows.Sum(r => 17 - r.PaddingLength), batch.LabelTokenCount);
    }

    [Fact]
    public void DataParallelRanksReadDisjointSlicesOfTheSingleProcessStream()
    {
        using var f = new Fixture();
        var single = f.Sampler(PackingMode.Concat);
        var ranks = Enumerable.Range(0, 3).Select(_ => f.Sampler(PackingMode.Concat)).ToList();
        for (var step = 0; step < 12; step++) // crosses both stage boundaries
        {
            var global = single.NextBatch(4 * 3);
            for (var r = 0; r < 3; r++)
            {
                var slice = ranks[r].NextBatch(4, r, 3);
                Assert.Equal(global.Tokens.AsSpan(r * 4 * 17, 4 * 17).ToArray(), slice.Tokens);
            }
        }
        Assert.All(ranks, r => Assert.Equal(single.GetState(), r.GetState(), new StateComparer()));
    }

    private sealed class StateComparer : IEqualityComparer<SamplerState>
    {
        public bool Equals(SamplerState? x, SamplerState? y) => x!.ToJson() == y!.ToJson();
        public int GetHashCode(SamplerState obj) => obj.ToJson().GetHashCode();
    }
}
