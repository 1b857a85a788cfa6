using Tsumugi.Common.Config;

namespace Tsumugi.Training.Config;

/// <summary><c>log:</c> console and metrics output.</summary>
public sealed record LogSettings
{
    /// <summary>Console line every N steps (metrics.jsonl and TensorBoard get every step).</summary>
    public long Interval { get; init; } = 10;

    /// <summary>Write TensorBoard event files under RUN_DIR/tensorboard.</summary>
    [ConfigKey("tensorboard")]
    public bool TensorBoard { get; init; } = true;

    /// <summary>Peak FLOP/s for MFU; 0 = measure the fp32 GEMM peak at start (CPU) or use the GPU's table value.</summary>
    public double PeakFlops { get; init; }
}
