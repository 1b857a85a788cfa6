using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Training.Parallel;

/// <summary>One process, one device: every collective is the identity.</summary>
public sealed class SingleProcess : IDataParallel
{
    public static readonly SingleProcess Instance = new();

    public int Rank => 0;
    public int WorldSize => 1;
    public bool ShardsOptimizer => false;
    public IReadOnlyList<ParameterRange> OptimizerShard(IReadOnlyList<(string Name, Parameter Parameter)> all) =>
        ParameterRange.Whole(all.Select(p => p.Parameter.numel()).ToList());
    public void ReduceGradients(IReadOnlyList<Tensor> gradients) { }
    public double GradientNormSquared(double shardNormSquared) => shardNormSquared;
    public double SumAcrossRanks(double value) => value;
    public double[] SumAcrossRanks(double[] values) => values;
    public long BroadcastFromRankZero(long value) => value;
    public double CommunicationSeconds => 0;
    public void AfterOptimizerStep(IReadOnlyList<Parameter> parameters) { }
    public void Agree(string what, string value) { }
    public void Barrier() { }
}
