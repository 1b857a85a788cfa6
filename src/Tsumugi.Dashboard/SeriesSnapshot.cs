namespace Tsumugi.Dashboard;

/// <summary>A run's metrics at one moment: every numeric series in step order, the curriculum stages, and the file offset read.</summary>
/// <param name="Steps">Distinct steps logged.</param>
/// <param name="Offset">Bytes of metrics.jsonl consumed: a client streams from here to get only newer lines.</param>
public sealed record SeriesSnapshot(int Steps, long? LastStep, long Offset, IReadOnlyDictionary<string, (double[] X, double[] Y)> Series, IReadOnlyList<StageSpan> Stages);
