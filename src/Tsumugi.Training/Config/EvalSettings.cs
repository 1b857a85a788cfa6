namespace Tsumugi.Training.Config;

/// <summary>
/// <c>eval:</c> held-out perplexity per domain (rows from <c>data.validation_fraction</c>) every <see cref="Interval"/>
/// steps, and llm-jp-eval-format tasks on every checkpoint (<see cref="Tasks"/>), as Swallow and Tanuki picked learning
/// rates by evaluating checkpoints.
/// </summary>
public sealed record EvalSettings
{
    /// <summary>Every N steps (0 = only at the end).</summary>
    public long Interval { get; init; } = 1000;

    /// <summary>Held-out rows per dataset per evaluation.</summary>
    public int MaxRows { get; init; } = 32;

    /// <summary>Task files or folders of them (absolute), run at every checkpoint and at the end; empty: none.</summary>
    public IReadOnlyList<string> Tasks { get; init; } = [];

    /// <summary>Few-shot examples per prompt (null: the task runner's default, 4 as Swallow).</summary>
    public int? Shots { get; init; }

    /// <summary>Only each task's first N samples (a quick signal between steps); null: all.</summary>
    public int? MaxSamples { get; init; }

    /// <summary>Prompts per generation batch, rows per scoring pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Inline: in the training process, between steps. Queue: listed in eval/queue.jsonl for `tsumugi eval sweep`.</summary>
    public TaskEvalMode Mode { get; init; } = TaskEvalMode.Inline;
}

public enum TaskEvalMode
{
    Inline,
    Queue,
}
