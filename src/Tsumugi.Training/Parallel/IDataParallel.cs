using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Training.Parallel;

/// <summary>
/// The seam multi-process data parallelism plugs into (training.md §7, scale-out.md §2); the loop calls it at fixed
/// points and never knows how many processes there are:
/// <list type="number">
/// <item>the sampler reads rank <see cref="Rank"/>'s slice of every global batch, and each rank divides its loss by the
///   step's global scored-token count (<see cref="SumAcrossRanks"/> of the local counts), so gradients are summed;</item>
/// <item>after the last micro-batch's backward, <see cref="ReduceGradients"/> sums gradients across ranks (ZeRO-1
///   reduce-scatters instead: only the ranges of <see cref="OptimizerShard"/> end up summed on this rank);</item>
/// <item>clipping uses <see cref="GradientNormSquared"/>: the global norm from this rank's share;</item>
/// <item>after the optimizer step, <see cref="AfterOptimizerStep"/> all-gathers updated shards (ZeRO-1) — a no-op otherwise.</item>
/// </list>
/// Logged losses are summed with <see cref="SumAcrossRanks"/> too. Rank 0 alone writes logs, the model and the shared
/// checkpoint files; with a sharded optimizer every rank writes its own shard (<see cref="ShardsOptimizer"/>).
/// </summary>
public interface IDataParallel
{
    int Rank { get; }
    int WorldSize { get; }

    /// <summary>True when each rank's optimizer holds only its shard (ZeRO-1), so each rank saves its own state file.</summary>
    bool ShardsOptimizer { get; }

    /// <summary>The ranges of the trainable parameters this rank's optimizer owns (each parameter whole without sharding).</summary>
    IReadOnlyList<ParameterRange> OptimizerShard(IReadOnlyList<(string Name, Parameter Parameter)> all);

    /// <summary>Sums the whole fp32 gradients (one per trainable parameter, the order of <see cref="OptimizerShard"/>) across ranks, in place.</summary>
    void ReduceGradients(IReadOnlyList<Tensor> gradients);

    /// <summary>The global ‖g‖², given this rank's optimizer's Σ‖g‖² over its ranges.</summary>
    double GradientNormSquared(double shardNormSquared);

    double SumAcrossRanks(double value);

    /// <summary>Several sums in one reduction.</summary>
    double[] SumAcrossRanks(double[] values);

    /// <summary>Rank 0's <paramref name="value"/>, on every rank.</summary>
    long BroadcastFromRankZero(long value);

    /// <summary>Seconds spent in collectives so far (the step's communication time is the difference).</summary>
    double CommunicationSeconds { get; }

    /// <summary>After the update: every rank gets the parameters other ranks updated (ZeRO-1).</summary>
    void AfterOptimizerStep(IReadOnlyList<Parameter> parameters);

    /// <summary>
    /// Preflight: every rank must bring the same <paramref name="value"/> for <paramref name="what"/> (config fingerprint,
    /// data manifest, world size); otherwise every rank throws one error naming the ranks that differ.
    /// </summary>
    void Agree(string what, string value);

    /// <summary>Waits for every rank (checkpoint publication is atomic across ranks).</summary>
    void Barrier();
}
