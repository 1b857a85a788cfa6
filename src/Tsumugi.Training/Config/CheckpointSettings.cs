namespace Tsumugi.Training.Config;

/// <summary><c>checkpoint:</c> when to save and what to keep.</summary>
public sealed record CheckpointSettings
{
    /// <summary>Save every N optimizer steps (0 = only on stop/signal and at the end).</summary>
    public long Interval { get; init; } = 1000;

    /// <summary>Keep the newest K checkpoints…</summary>
    public int KeepLast { get; init; } = 2;

    /// <summary>…plus every checkpoint whose step is a multiple of M (0 = none).</summary>
    public long KeepEvery { get; init; }
}
