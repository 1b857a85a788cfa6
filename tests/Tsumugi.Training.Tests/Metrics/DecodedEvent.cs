namespace Tsumugi.Training.Tests.Metrics;

/// <summary>One event as the independent JavaScript reader decoded it.</summary>
internal sealed record DecodedEvent(double WallTime, long Step, string? FileVersion, IReadOnlyList<DecodedScalar> Values);
