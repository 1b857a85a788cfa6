using Tsumugi.Training.Preference;

namespace Tsumugi.Training.Config;

/// <summary>
/// <c>dpo:</c> how a preference run scores pairs (read only by <c>tsumugi dpo</c>). The loss keys are TRL's
/// (loss_type, beta, label_smoothing, …: docs/dpo.md); the rest says where the reference log-probs come from and how the
/// conversations are rendered.
/// </summary>
public sealed record DpoSettings
{
    public PreferenceLossSettings Loss { get; init; } = new();

    /// <summary>Where the reference model's log-probs come from (ignored by reference-free losses: ORPO, SimPO, CPO).</summary>
    public ReferenceSource Reference { get; init; } = ReferenceSource.Precomputed;

    /// <summary>
    /// A model directory whose log-probs are the reference instead of the starting model's (precomputed only): online DPO
    /// keeps the first policy as the reference while each iteration starts from the last one. Null = the starting model.
    /// </summary>
    public string? ReferenceModel { get; init; }

    /// <summary>As <c>sft.chat_template</c>: a built-in name or a .jinja file; null = the base model's own.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Passes over the pairs when neither train.max_steps nor train.tokens is set.</summary>
    public double Epochs { get; init; } = 1;

    /// <summary>Held-out prompts answered (greedy) at every evaluation into RUN_DIR/samples.jsonl; 0 = none.</summary>
    public int Samples { get; init; } = 4;

    /// <summary>New tokens per logged answer at most.</summary>
    public int SampleMaxTokens { get; init; } = 64;
}

/// <summary>Where a preference run's reference log-probs come from.</summary>
public enum ReferenceSource
{
    /// <summary>One pass of the starting model over every row before step 1, cached in RUN_DIR/reference_logps.tsv (TRL's precompute_ref_log_probs).</summary>
    Precomputed,

    /// <summary>LoRA only: the same model with its adapter switched off, every step (no second copy of the weights; TRL's PEFT default).</summary>
    AdapterOff,
}
