using System.Collections;
using System.Globalization;

namespace Tsumugi.Common;

/// <summary>
/// Which of a job's processes this one is, read from the launcher's environment (scale-out.md §1.3) — never from
/// a home-made launcher. Two kinds of jobs use it:
/// <list type="bullet">
/// <item><see cref="Detect"/>: the ranks of one parallel step — <c>mpirun</c> (OpenMPI's <c>OMPI_COMM_WORLD_*</c>),
///   MPICH/Hydra (<c>PMI_RANK</c>/<c>PMI_SIZE</c>) or a Slurm step (<c>srun</c>: <c>SLURM_PROCID</c>,
///   <c>SLURM_STEP_NUM_TASKS</c>, <c>SLURM_LOCALID</c>). A batch script's own environment has <c>SLURM_NTASKS</c>
///   but no step, so a command started there directly stays one process.</item>
/// <item><see cref="Task"/>: the task of an embarrassingly parallel job (corpus stages, datatrove-style) — a Slurm array
///   element (<c>SLURM_ARRAY_TASK_ID</c> of <c>SLURM_ARRAY_TASK_COUNT</c>) or, failing that, the rank above.</item>
/// </list>
/// </summary>
public sealed record ClusterEnvironment(int Rank, int Size, int LocalRank, string Launcher)
{
    public static readonly ClusterEnvironment Single = new(0, 1, 0, "single process");

    /// <summary>Ranks on this node (they share its cores); 1 when the launcher does not say.</summary>
    public int LocalSize { get; init; } = 1;

    public bool IsDistributed => Size > 1;

    /// <summary>The ranks of this process's parallel step; <see cref="Single"/> when it was not launched as one.</summary>
    public static ClusterEnvironment Detect(IDictionary? environment = null)
    {
        var env = Read(environment);
        return From(env, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE", "mpirun (OpenMPI)")
            ?? From(env, "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS", "MPICH (Hydra)")
            ?? From(env, "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE", "srun (Slurm)")
            ?? Single;
    }

    /// <summary>
    /// This process's task among a job's independent tasks, as (index, count): a Slurm array element first, then an
    /// MPI/Slurm rank; null when neither launched it (the caller then runs every task itself).
    /// </summary>
    public static (int Index, int Count)? Task(IDictionary? environment = null)
    {
        var env = Read(environment);
        if (Int(env, "SLURM_ARRAY_TASK_ID") is { } id)
        {
            // SLURM_ARRAY_TASK_COUNT is the number of elements; an array like --array=0-7 also has MIN/MAX.
            var count = Int(env, "SLURM_ARRAY_TASK_COUNT") ?? (Int(env, "SLURM_ARRAY_TASK_MAX") is { } max ? max + 1 : null);
            var min = Int(env, "SLURM_ARRAY_TASK_MIN") ?? 0;
            if (count is { } n && id - min >= 0 && id - min < n) return (id - min, n);
            throw new InvalidOperationException($"SLURM_ARRAY_TASK_ID={id} but the array's size is unknown (SLURM_ARRAY_TASK_COUNT unset); pass --shard i/N explicitly");
        }
        var ranks = Detect(environment);
        return ranks.IsDistributed ? (ranks.Rank, ranks.Size) : null;
    }

    private static ClusterEnvironment? From(Dictionary<string, string> env, string rankKey, string sizeKey, string localKey, string localSizeKey, string launcher)
    {
        if (Int(env, rankKey) is not { } rank || Int(env, sizeKey) is not { } size) return null;
        if (size < 1 || rank < 0 || rank >= size)
            throw new InvalidOperationException($"{launcher}: {rankKey}={rank} is not a rank of {sizeKey}={size}");
        return new ClusterEnvironment(rank, size, Int(env, localKey) ?? 0, launcher) { LocalSize = Math.Max(1, Int(env, localSizeKey) ?? 1) };
    }

    private static int? Int(Dictionary<string, string> env, string key) =>
        env.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static Dictionary<string, string> Read(IDictionary? environment)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in environment ?? Environment.GetEnvironmentVariables())
            if (e.Key is string k && e.Value is string v) result[k] = v;
        return result;
    }
}
