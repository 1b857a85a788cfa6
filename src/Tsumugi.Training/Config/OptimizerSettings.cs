namespace Tsumugi.Training.Config;

/// <summary><c>optimizer:</c> AdamW. Defaults follow LLM-jp-3 (β 0.9/0.95, ε 1e-8, wd 0.1; training.md §4).</summary>
public sealed record OptimizerSettings
{
    public double Lr { get; init; } = 3e-4;
    public double MinLr { get; init; } = 3e-5;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Eps { get; init; } = 1e-8;
    public double WeightDecay { get; init; } = 0.1;
}
