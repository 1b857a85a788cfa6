namespace Tsumugi.Synthesis;

/// <summary>A run's counts so far, reported after every finished item (the CLI's progress bar and ETA).</summary>
public sealed record SynthProgress(int Done, int Total, int Accepted, int Rejected, int Failed, long CompletionTokens, TimeSpan Elapsed);
