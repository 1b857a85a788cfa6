using System.CommandLine;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Cli.Commands;

/// <summary>The <c>--shard</c> option of the corpus and data stages that run as independent tasks, and its report.</summary>
public static class CorpusTasks
{
    public static Option<string?> ShardOption(string what) => new("--shard")
    {
        Description = $"{what}: this task as i/N (0-based), or 'env' to read it from the launcher (SLURM_ARRAY_TASK_ID/COUNT of a Slurm " +
                      "array, else the mpirun/srun rank and size). Without it, a process started as one of several tasks (array element, " +
                      "mpirun -np N) takes its task from the launcher too; an explicit i/N always wins. Finished tasks leave a completion " +
                      "marker (.tasks/completions/NNNNN) and are skipped when the job is re-submitted.",
        HelpName = "i/N|env",
    };

    /// <summary>The task, announced when it came from the launcher (so a split nobody asked for is never silent).</summary>
    public static TaskShard Resolve(string? spec)
    {
        var task = TaskShard.Resolve(spec);
        if (task.IsPartial && task.Source != "--shard") CliApp.Info($"task {task} (from {task.Source}); pass --shard i/N to override");
        return task;
    }

    /// <summary>Which tasks are still missing, or that the merged books are written.</summary>
    public static void PrintLedger(TaskLedger ledger, string task, string merged)
    {
        var missing = ledger.Missing();
        CliApp.Info(missing.Count == 0
            ? $"{task} done; all {ledger.Count} tasks have finished: merged books in {merged}"
            : $"{task} done; still missing: {TaskLedger.Describe(missing)} of {ledger.Count} (no marker in {ledger.CompletionsFolder}); " +
              $"the last task to finish writes {merged}; re-submit the same job to run only the missing tasks");
    }
}
