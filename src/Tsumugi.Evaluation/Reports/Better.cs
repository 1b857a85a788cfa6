namespace Tsumugi.Evaluation.Reports;

/// <summary>Which value of a metric is best, so the report can mark it (see <see cref="MetricDirection"/>).</summary>
public enum Better { Higher, Lower, None }
