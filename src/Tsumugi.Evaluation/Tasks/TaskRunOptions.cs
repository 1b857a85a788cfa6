namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// Few-shot count (null: the file's num_few_shots, else <see cref="DefaultShots"/> as Swallow ran llm-jp-eval; never more
/// than the task has) and rows per batch (scoring batches for multiple choice, prompt groups for generation).
/// </summary>
public sealed record TaskRunOptions(int? Shots = null, int BatchSize = 1)
{
    public const int DefaultShots = 4;

    public int ShotsFor(EvalTask task) => Math.Min(Shots ?? task.NumFewShots ?? DefaultShots, task.FewShots.Count);
}
