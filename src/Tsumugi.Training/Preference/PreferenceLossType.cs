namespace Tsumugi.Training.Preference;

/// <summary>
/// TRL's preference losses, one member per <c>loss_type</c> name (the member's snake_case is TRL's name: <c>ExoPair</c>
/// → <c>exo_pair</c>). The DPO family is <c>trl/trainer/dpo_trainer.py</c>; <see cref="Orpo"/>, <see cref="Simpo"/> and
/// <see cref="Cpo"/> are TRL's ORPOTrainer and CPOTrainer; <see cref="Kto"/> and <see cref="ApoZeroUnpaired"/> are
/// KTOTrainer's unpaired losses (<see cref="KtoLoss"/>). The formulas are in docs/dpo.md.
/// </summary>
public enum PreferenceLossType
{
    /// <summary>DPO: −log σ(βΔ).</summary>
    Sigmoid,

    /// <summary>SLiC: relu(1 − βΔ).</summary>
    Hinge,

    /// <summary>IPO: (Δ̄ − 1/(2β))² on length-averaged scores.</summary>
    Ipo,

    /// <summary>EXO: the reverse KL to the label distribution [1 − ε, ε] (needs label_smoothing ε &gt; 0).</summary>
    ExoPair,

    /// <summary>NCA: −log σ(β·sc) − ½ log σ(−β·sc) − ½ log σ(−β·sr).</summary>
    NcaPair,

    /// <summary>Robust DPO: the unbiased loss under label noise ε.</summary>
    Robust,

    /// <summary>BCO on pairs: −log σ(β·sc) − log σ(−β·sr).</summary>
    BcoPair,

    /// <summary>SPPO with hard labels: (sc − 1/(2β))² + (sr + 1/(2β))².</summary>
    SppoHard,

    /// <summary>AOT: the batch's sorted policy margins against its sorted reference margins.</summary>
    Aot,

    /// <summary>AOT on the sorted chosen and sorted rejected log-ratios (older TRL's <c>aot_pair</c>).</summary>
    AotUnpaired,

    /// <summary>APO-zero: raise the chosen, lower the rejected likelihood: (1 − σ(βρc)) + σ(βρr).</summary>
    ApoZero,

    /// <summary>APO-down: lower both, the rejected more: σ(βρc) + (1 − σ(βΔ)).</summary>
    ApoDown,

    /// <summary>DiscoPOP: a log-ratio-modulated blend of the logistic and exponential losses.</summary>
    Discopop,

    /// <summary>Cross-entropy on the chosen completions only (no reference; TRL's batch mean over their tokens).</summary>
    Sft,

    /// <summary>DPO on length-averaged scores: −log σ(β·Δ̄).</summary>
    SigmoidNorm,

    /// <summary>ORPO (no reference): NLL of the chosen sequence − β·log σ(log-odds ratio) on length-averaged log-probs.</summary>
    Orpo,

    /// <summary>SimPO (no reference): −log σ(β(ℓ̄c − ℓ̄r) − γ) plus cpo_alpha·NLL (TRL's default 1.0; 0 = pure SimPO).</summary>
    Simpo,

    /// <summary>CPO (no reference; TRL's CPOTrainer with loss_type sigmoid): −log σ(β(ℓc − ℓr)) plus cpo_alpha·NLL.</summary>
    Cpo,

    /// <summary>KTO (unpaired, with a KL baseline): <see cref="KtoLoss"/>.</summary>
    Kto,

    /// <summary>APO-zero on unpaired examples, no KL term: <see cref="KtoLoss"/>.</summary>
    ApoZeroUnpaired,
}
