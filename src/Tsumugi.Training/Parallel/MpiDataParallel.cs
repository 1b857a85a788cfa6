using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Tsumugi.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Training.Parallel;

/// <summary>
/// Data parallelism over MPI, one process per rank (<c>mpirun -np N tsumugi train …</c> or <c>srun</c>). Gradients
/// travel in fp32 buckets (<see cref="GradientBuckets"/>) through one CPU staging buffer: plain data parallelism
/// all-reduces each bucket; ZeRO-1 (scale-out.md §2.1) reduce-scatters it, so each rank's AdamW state covers only its
/// block (¹⁄ₙ of the optimizer memory), and all-gathers the updated parameters after the step. Both move the same
/// bytes (a ring all-reduce is a reduce-scatter plus an all-gather). Sums, not means: each rank's loss is already its
/// share of the global mean. The CPU path is the one tested; a CUDA build would swap the staging copies for NCCL
/// calls through this same seam (docs/cluster.md).
/// </summary>
public sealed class MpiDataParallel : IDataParallel, IDisposable
{
    private readonly OpenMpi _mpi;
    private readonly long _bucketElements;
    private readonly Stopwatch _communication = new();
    private GradientBuckets? _buckets;
    private Tensor? _buffer;   // one bucket, padded
    private Tensor? _received; // one rank's block of a bucket (reduce-scatter cannot receive in place)

    private MpiDataParallel(OpenMpi mpi, int zero, double bucketMb)
    {
        _mpi = mpi;
        ZeroStage = zero;
        _bucketElements = Math.Max(1, (long)(bucketMb * 1024 * 1024 / sizeof(float)));
    }

    /// <summary>Joins the MPI job <paramref name="environment"/> describes (call once per process, before any training).</summary>
    public static MpiDataParallel Start(ClusterEnvironment environment, int zeroStage, double bucketMb) =>
        new(OpenMpi.Initialize(environment), zeroStage, bucketMb);

    public int Rank => _mpi.Rank;
    public int WorldSize => _mpi.Size;

    /// <summary>0: plain data parallelism; 1: optimizer state sharded across ranks.</summary>
    public int ZeroStage { get; }

    public bool ShardsOptimizer => ZeroStage >= 1;
    public double CommunicationSeconds => _communication.Elapsed.TotalSeconds;

    public IReadOnlyList<ParameterRange> OptimizerShard(IReadOnlyList<(string Name, Parameter Parameter)> all)
    {
        var sizes = all.Select(p => p.Parameter.numel()).ToList();
        _buckets = new GradientBuckets(sizes, WorldSize, _bucketElements);
        _buffer?.Dispose();
        _received?.Dispose();
        _buffer = zeros(_buckets.LargestPadded, ScalarType.Float32).DetachFromDisposeScope();
        _received = zeros(_buckets.LargestPadded / WorldSize, ScalarType.Float32).DetachFromDisposeScope();
        return ShardsOptimizer ? _buckets.Shard(Rank) : ParameterRange.Whole(sizes);
    }

    public void ReduceGradients(IReadOnlyList<Tensor> gradients)
    {
        var buckets = Layout();
        using var noGrad = no_grad();
        foreach (var b in buckets.Buckets)
        {
            using var scope = NewDisposeScope();
            var buffer = _buffer!.narrow(0, 0, b.Padded);
            Copy(buckets, b.Start, b.Length, gradients, buffer, toBuffer: true);
            if (b.Padded > b.Length) buffer.narrow(0, b.Length, b.Padded - b.Length).zero_();
            if (!ShardsOptimizer)
            {
                Timed(() => _mpi.AllReduceSum(Floats(buffer)));
                Copy(buckets, b.Start, b.Length, gradients, buffer, toBuffer: false);
                continue;
            }
            var block = _received!.narrow(0, 0, GradientBuckets.Block(b, WorldSize));
            Timed(() => _mpi.ReduceScatterSum(Floats(buffer), Floats(block)));
            var (start, length) = buckets.Owned(b, Rank);
            Copy(buckets, start, length, gradients, block, toBuffer: false);
        }
    }

    public double GradientNormSquared(double shardNormSquared) => ShardsOptimizer ? SumAcrossRanks(shardNormSquared) : shardNormSquared;

    public void AfterOptimizerStep(IReadOnlyList<Parameter> parameters)
    {
        if (!ShardsOptimizer) return;
        var buckets = Layout();
        using var noGrad = no_grad();
        foreach (var b in buckets.Buckets)
        {
            using var scope = NewDisposeScope();
            var buffer = _buffer!.narrow(0, 0, b.Padded);
            var block = GradientBuckets.Block(b, WorldSize);
            var (start, length) = buckets.Owned(b, Rank);
            Copy(buckets, start, length, parameters, buffer.narrow(0, (long)Rank * block, block), toBuffer: true);
            Timed(() => _mpi.AllGatherInPlace(Floats(buffer)));
            Copy(buckets, b.Start, b.Length, parameters, buffer, toBuffer: false);
        }
    }

    public double SumAcrossRanks(double value) => SumAcrossRanks([value])[0];

    public double[] SumAcrossRanks(double[] values)
    {
        var sums = (double[])values.Clone();
        Timed(() => _mpi.AllReduceSum(sums.AsSpan()));
        return sums;
    }

    public long BroadcastFromRankZero(long value)
    {
        var bytes = BitConverter.GetBytes(value);
        Timed(() => _mpi.Broadcast(bytes, root: 0));
        return BitConverter.ToInt64(bytes);
    }

    public void Agree(string what, string value)
    {
        var hashes = _mpi.AllGather(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        var differ = Enumerable.Range(1, WorldSize - 1).Where(r => !hashes.AsSpan(r * 32, 32).SequenceEqual(hashes.AsSpan(0, 32))).ToList();
        if (differ.Count == 0) return;
        var mine = Rank == 0 || differ.Contains(Rank) ? $" (rank {Rank} has: {value})" : "";
        throw new DistributedException($"the ranks disagree on the {what}: rank{(differ.Count > 1 ? "s" : "")} {string.Join(", ", differ)} differ{(differ.Count > 1 ? "" : "s")} from rank 0{mine}. Every rank must start the same command with the same config, data and checkpoints (a shared file system)")
        {
            Secondary = Rank != 0,
            Collective = true,
        };
    }

    public void Barrier() => Timed(_mpi.Barrier);

    /// <summary>Ends the whole job after an error on this rank, so no other rank waits forever in a collective.</summary>
    public void Abort(int code) => _mpi.Abort(code);

    private GradientBuckets Layout() => _buckets ?? throw new InvalidOperationException("OptimizerShard() lays out the buckets before the first reduction");

    private void Timed(Action collective)
    {
        _communication.Start();
        try
        {
            collective();
        }
        finally
        {
            _communication.Stop();
        }
    }

    /// <summary>Copies flat elements [start, start + length) between the per-parameter tensors and <paramref name="buffer"/>.</summary>
    private static void Copy(GradientBuckets buckets, long start, int length, IReadOnlyList<Tensor> tensors, Tensor buffer, bool toBuffer)
    {
        foreach (var (range, at) in buckets.Pieces(start, length))
        {
            var flat = tensors[range.Index].view(-1).narrow(0, range.Offset, range.Length);
            var slot = buffer.narrow(0, at, range.Length);
            if (toBuffer) slot.copy_(flat);
            else flat.copy_(slot);
        }
    }

    /// <summary>A view of a contiguous CPU fp32 tensor that starts at its storage's first element (the staging buffers, narrowed from 0).</summary>
    private static unsafe Span<float> Floats(Tensor cpu) => new((void*)cpu.storage<float>().data_ptr(), checked((int)cpu.numel()));

    public void Dispose()
    {
        _buffer?.Dispose();
        _received?.Dispose();
        _mpi.Dispose();
    }
}
