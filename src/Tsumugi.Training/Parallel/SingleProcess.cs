using TorchSharp.Modules;

namespace Tsumugi.Training.Parallel;

/// <summary>One process, one device: every collective is the identity.</summary>
public sealed class SingleProcess : IDataParallel
{
    public static readonly SingleProcess Instance = new();

    public int Rank => 0;
    public int WorldSize => 1;
    public IReadOnlyList<(string Name, Parameter Parameter)> OptimizerShard(IReadOnlyList<(string Name, Parameter Parameter)> all) => all;
    public void ReduceGradients(IReadOnlyList<Parameter> parameters) { }
    public double SumAcrossRanks(double value) => value;
    public void AfterOptimizerStep(IReadOnlyList<Parameter> parameters) { }
}
