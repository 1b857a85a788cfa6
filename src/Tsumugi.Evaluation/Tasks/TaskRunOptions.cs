namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// Few-shot cap (null: up to <see cref="DefaultShots"/>, as Swallow ran llm-jp-eval; never more than the file has)
/// and rows per batch (scoring batches for multiple choice, prompt groups for generation).
/// </summary>
public sealed record TaskRunOptions(int? Shots = null, int BatchSize = 1)
{
    public const int DefaultShots = 4;

    public int ShotsFor(EvalTask task) => Math.Min(Shots ?? DefaultShots, task.FewShots.Count);
}
