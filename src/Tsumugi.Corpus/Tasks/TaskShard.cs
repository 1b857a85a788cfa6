using System.Collections;
using Tsumugi.Common;

namespace Tsumugi.Corpus.Tasks;

/// <summary>
/// Which of a job's independent tasks this process is (datatrove's rank / world size), from <c>--shard</c>:
/// <c>i/N</c> explicitly; <c>env</c> from the launcher (<see cref="ClusterEnvironment.Task"/>: a Slurm array element, or
/// an mpirun/srun rank); absent: the launcher's task when there is one (so <c>mpirun -np 4 tsumugi corpus clean …</c>
/// splits the work instead of running it four times over the same output), else the whole job (0/1).
/// An explicit <c>i/N</c> always wins.
/// </summary>
public sealed record TaskShard(int Index, int Count, string Source)
{
    public static readonly TaskShard Whole = new(0, 1, "single process");

    public bool IsPartial => Count > 1;

    /// <summary>"i/N".</summary>
    public override string ToString() => $"{Index}/{Count}";

    public static TaskShard Resolve(string? spec, IDictionary? environment = null)
    {
        if (spec is not null && !spec.Equals("env", StringComparison.OrdinalIgnoreCase))
        {
            var (i, n) = TryParse(spec) ?? throw new FormatException($"--shard {Bad(spec)}, or 'env'");
            return new TaskShard(i, n, "--shard");
        }
        var task = ClusterEnvironment.Task(environment);
        if (task is { } t) return new TaskShard(t.Index, t.Count, Launcher(environment));
        if (spec is not null)
            throw new ArgumentException("--shard env: not launched as a task (no SLURM_ARRAY_TASK_ID, and no mpirun/srun ranks beyond one); " +
                                        "run it as a Slurm array element or under mpirun -np N, or pass --shard i/N");
        return Whole;
    }

    /// <summary>"i/N" with 0 ≤ i &lt; N as (i, N); null when it is not one.</summary>
    public static (int Index, int Count)? TryParse(string spec)
    {
        var parts = spec.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n > 0 && i >= 0 && i < n) return (i, n);
        return null;
    }

    /// <summary>What is wrong with a shard spec, and an example.</summary>
    public static string Bad(string spec) => $"'{spec}': expected i/N with 0 ≤ i < N, e.g. 0/4 (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)";

    static string Launcher(IDictionary? environment)
    {
        var env = environment ?? Environment.GetEnvironmentVariables();
        return env.Contains("SLURM_ARRAY_TASK_ID") ? "Slurm array (SLURM_ARRAY_TASK_ID)" : ClusterEnvironment.Detect(environment).Launcher;
    }
}
