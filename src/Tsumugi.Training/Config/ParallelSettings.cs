namespace Tsumugi.Training.Config;

/// <summary>
/// <c>parallel:</c> how ranks started by <c>mpirun</c>/<c>srun</c> share the work (ignored in one process; the world
/// size itself comes from the launcher). Neither key changes the loss curve beyond fp32 round-off, so both may
/// change on resume.
/// </summary>
public sealed record ParallelSettings
{
    /// <summary>0: every rank holds the whole optimizer state; 1: ZeRO-1, each rank holds ¹⁄ₙ of it.</summary>
    public int Zero { get; init; }

    /// <summary>Gradient bucket size in MiB (PyTorch DDP's bucket_cap_mb): one collective per bucket.</summary>
    public double BucketMb { get; init; } = 25;
}
