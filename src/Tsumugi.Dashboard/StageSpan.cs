namespace Tsumugi.Dashboard;

/// <summary>A run of consecutive steps logged under one curriculum stage (first and last step, inclusive).</summary>
public sealed record StageSpan(string Name, long From, long To);
