namespace Tsumugi.Evaluation.English;

/// <summary>
/// One English task as lm-evaluation-harness v0.4 defines it (lm_eval/tasks/&lt;task&gt;/*.yaml): whether it is
/// scored by log-likelihood over choices or by greedy generation, its metrics, default num_fewshot, few-shot sampler
/// (<c>first_n</c> or the seeded random default) and whether the harness draws one extra few-shot document to drop the
/// evaluated one (it does when <c>fewshot_split == test_split</c>, which includes both being unset, as for HellaSwag
/// and TriviaQA). <see cref="EnglishTasks"/> holds the six tasks; <see cref="EnglishDatasets"/> reads their raw files.
/// </summary>
public sealed record EnglishTask(string Name, bool MultipleChoice, IReadOnlyList<string> Metrics, int DefaultShots, bool FirstN,
    bool DrawsExtraShot, string Layout)
{
    /// <summary>Generation: the harness's <c>until</c> list (EOS is added by the model).</summary>
    public IReadOnlyList<string> Until { get; init; } = [];

    /// <summary>Whether few-shot examples come from a separate file the user gives (all but MMLU, whose dev split sits beside its test files).</summary>
    public bool NeedsFewShotFile => !FirstN;
}
