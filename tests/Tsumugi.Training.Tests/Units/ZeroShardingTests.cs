using Tsumugi.Training.Config;
using Tsumugi.Training.Parallel;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = Tsumugi.Training.Optim.AdamW;

namespace Tsumugi.Training.Tests.Units;

/// <summary>
/// ZeRO-1 without MPI: the bucket layout gives every element to exactly one rank, AdamW over the ranks' shards
/// computes what one AdamW over everything computes, and shard files reload into any other sharding.
/// </summary>
public class ZeroShardingTests
{
    static readonly OptimizerSettings Settings = new() { Lr = 0.01, Beta1 = 0.9, Beta2 = 0.95, Eps = 1e-8, WeightDecay = 0.1 };
    static readonly long[] Sizes = [24, 7, 1, 40, 13];

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 16)]
    [InlineData(3, 10)]
    [InlineData(4, 7)]
    [InlineData(4, 1)]
    public void RanksOwnEveryElementExactlyOnce(int world, long bucketElements)
    {
        var buckets = new GradientBuckets(Sizes, world, bucketElements);
        var owners = Sizes.Select(n => new int[n]).ToArray();
        for (var rank = 0; rank < world; rank++)
            foreach (var r in buckets.Shard(rank))
                for (var i = r.Offset; i < r.End; i++) owners[r.Index][i]++;
        Assert.All(owners, o => Assert.All(o, count => Assert.Equal(1, count)));
        Assert.All(buckets.Buckets, b => Assert.Equal(0, b.Padded % world));
        Assert.All(buckets.Buckets, b => Assert.InRange(b.Length, 1, Math.Max(world, bucketElements)));
        Assert.Equal(Sizes.Sum(), buckets.Buckets.Sum(b => (long)b.Length));
    }

    [Fact]
    public void PiecesMapFlatOffsetsBackToParameters()
    {
        var buckets = new GradientBuckets(Sizes, 2, 1000);
        var pieces = buckets.Pieces(20, 15).ToList(); // flat 20..35: end of p0 (20..24), p1 (24..31), p2 (31), start of p3 (32..35)
        Assert.Equal([new ParameterRange(0, 20, 4), new ParameterRange(1, 0, 7), new ParameterRange(2, 0, 1), new ParameterRange(3, 0, 3)], pieces.Select(p => p.Range));
        Assert.Equal([0L, 4, 11, 12], pieces.Select(p => p.At));
    }

    static Parameter[] Parameters(int seed)
    {
        manual_seed(seed);
        return [new Parameter(randn(4, 6)), new Parameter(randn(7)), new Parameter(randn(1)), new Parameter(randn(5, 8)), new Parameter(randn(13))];
    }

    static (string, Parameter)[] Named(Parameter[] ps) => ps.Select((p, i) => ($"p{i}", p)).ToArray();

    /// <summary>Gives every copy the same gradients and steps each rank's shard optimizer, then all-gathers by hand.</summary>
    static void StepSharded(Parameter[][] rankCopies, AdamW[] optimizers, GradientBuckets buckets, Tensor[] grads)
    {
        for (var r = 0; r < optimizers.Length; r++)
        {
            foreach (var (p, g) in rankCopies[r].Zip(grads)) p.grad = g.clone();
            optimizers[r].Step(0.01);
        }
        using var noGrad = no_grad();
        for (var r = 0; r < optimizers.Length; r++)
            foreach (var range in buckets.Shard(r))
                for (var other = 0; other < optimizers.Length; other++)
                    rankCopies[other][range.Index].view(-1).narrow(0, range.Offset, range.Length).copy_(rankCopies[r][range.Index].view(-1).narrow(0, range.Offset, range.Length));
    }

    [Fact]
    public void ShardedOptimizersTakeTheSameStepsAsOneAndReloadIntoAnyWorldSize()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var whole = Parameters(5);
        var buckets = new GradientBuckets(Sizes, 2, 16);
        var copies = new[] { Parameters(5), Parameters(5) };
        using var reference = new AdamW(Named(whole), Settings);
        var sharded = copies.Select((c, r) => new AdamW(Named(c), Settings, buckets.Shard(r))).ToArray();
        manual_seed(9);
        for (var step = 0; step < 5; step++)
        {
            var grads = whole.Select(p => randn(p.shape)).ToArray();
            foreach (var (p, g) in whole.Zip(grads)) p.grad = g.clone();
            reference.Step(0.01);
            StepSharded(copies, sharded, buckets, grads);
        }
        foreach (var copy in copies)
            Assert.All(whole.Zip(copy), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>()));
        var files = new[] { dir.File("optimizer-rank-00000-of-00002.safetensors"), dir.File("optimizer-rank-00001-of-00002.safetensors") };
        for (var r = 0; r < 2; r++) sharded[r].Save(files[r]);

        // 2 → 1: one optimizer over everything resumes exactly where the unsharded one is.
        var single = whole.Select(p => new Parameter(p.detach().clone())).ToArray();
        using var resumed = new AdamW(Named(single), Settings);
        resumed.Load(files);
        Assert.Equal(5, resumed.StepCount);
        // 2 → 3: three shards of a different layout, reassembled from the two files.
        var three = new GradientBuckets(Sizes, 3, 10);
        var threeCopies = Enumerable.Range(0, 3).Select(_ => whole.Select(p => new Parameter(p.detach().clone())).ToArray()).ToArray();
        var threeOptimizers = threeCopies.Select((c, r) => new AdamW(Named(c), Settings, three.Shard(r))).ToArray();
        foreach (var o in threeOptimizers) o.Load(files);
        var next = whole.Select(p => randn(p.shape)).ToArray();
        foreach (var (p, g) in whole.Zip(next)) p.grad = g.clone();
        reference.Step(0.01);
        foreach (var (p, g) in single.Zip(next)) p.grad = g.clone();
        resumed.Step(0.01);
        StepSharded(threeCopies, threeOptimizers, three, next);
        Assert.All(whole.Zip(single), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>()));
        foreach (var copy in threeCopies)
            Assert.All(whole.Zip(copy), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>()));
        foreach (var o in sharded.Concat(threeOptimizers)) o.Dispose();
    }

    [Fact]
    public void AMissingShardIsRefusedByName()
    {
        using var dir = new TempDirectory();
        var ps = Parameters(2);
        var buckets = new GradientBuckets(Sizes, 2, 16);
        using var rank0 = new AdamW(Named(ps), Settings, buckets.Shard(0));
        var path = dir.File("optimizer-rank-00000-of-00002.safetensors");
        rank0.Save(path);
        using var single = new AdamW(Named(Parameters(2)), Settings);
        var e = Assert.Throws<Modeling.Checkpoints.CheckpointException>(() => single.Load([path]));
        Assert.Contains("a rank's shard is missing", e.Message);
    }
}
