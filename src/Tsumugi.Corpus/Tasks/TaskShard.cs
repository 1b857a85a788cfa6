using System.Collections;
using Tsumugi.Common;
using Tsumugi.Corpus.Pipeline;

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
            var (i, n) = PipelineConfig.ParseShard(spec);
            return new TaskShard(i, n, "--shard");
        }
        var task = ClusterEnvironment.Task(environment);
        if (task is { } t) return new TaskShard(t.Index, t.Count, Launcher(environment));
        if (spec is not null)
            throw new ArgumentException("--shard env: not launched as a task (no SLURM_ARRAY_TASK_ID, and no mpirun/srun ranks beyond one); " +
                                        "run it as a Slurm array element or under mpirun -np N, or pass --shard i/N");
        return Whole;
    }

    static string Launcher(IDictionary? environment)
    {
        var env = environment ?? Environment.GetEnvironmentVariables();
        return env.Contains("SLURM_ARRAY_TASK_ID") ? "Slurm array (SLURM_ARRAY_TASK_ID)" : ClusterEnvironment.Detect(environment).Launcher;
    }
}
