namespace Tsumugi.Dashboard;

/// <summary>One optimizer step of metrics.jsonl: its numeric values flattened to series ids (see <see cref="MetricsLine"/>).</summary>
/// <param name="Series">Indexes into the owning log's series names, parallel to <paramref name="Values"/>.</param>
public sealed record MetricRow(long Step, string? Stage, int[] Series, double[] Values);
