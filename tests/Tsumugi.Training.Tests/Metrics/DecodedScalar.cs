namespace Tsumugi.Training.Tests.Metrics;

/// <summary>One summary value (tag, simple_value) of a <see cref="DecodedEvent"/>.</summary>
internal sealed record DecodedScalar(string Tag, double Value);
