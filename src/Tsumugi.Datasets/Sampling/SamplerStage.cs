namespace Tsumugi.Datasets.Sampling;

/// <summary>A span of rows drawn with one mixture: <c>Weights[i]</c> is the share of source i (sums to 1).</summary>
public sealed record SamplerStage(string Name, long Samples, IReadOnlyList<double> Weights);
