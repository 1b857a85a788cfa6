using TorchSharp.Modules;

namespace Tsumugi.Training.Parallel;

/// <summary>
/// The seam multi-process data parallelism plugs into (MPI/NCCL, training.md §7); the loop calls it at fixed points
/// and never knows how many processes there are:
/// <list type="number">
/// <item>the sampler reads rank <see cref="Rank"/>'s slice of every global batch;</item>
/// <item>after the last micro-batch's backward, <see cref="ReduceGradients"/> averages gradients across ranks
///   (a ZeRO-1 implementation reduce-scatters instead and returns only its shard in <see cref="OptimizerShard"/>);</item>
/// <item>clipping uses <see cref="SumAcrossRanks"/> of the local squared norm;</item>
/// <item>after the optimizer step, <see cref="AfterOptimizerStep"/> all-gathers updated shards (ZeRO-1) — a no-op otherwise.</item>
/// </list>
/// Loss values for logging are averaged with <see cref="SumAcrossRanks"/> too. Rank 0 alone writes checkpoints and logs.
/// </summary>
public interface IDataParallel
{
    int Rank { get; }
    int WorldSize { get; }

    /// <summary>The parameters this rank's optimizer owns (all of them without optimizer sharding).</summary>
    IReadOnlyList<(string Name, Parameter Parameter)> OptimizerShard(IReadOnlyList<(string Name, Parameter Parameter)> all);

    void ReduceGradients(IReadOnlyList<Parameter> parameters);
    double SumAcrossRanks(double value);
    void AfterOptimizerStep(IReadOnlyList<Parameter> parameters);
}
