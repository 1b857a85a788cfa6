namespace Tsumugi.Training.Preference;

/// <summary>
/// TRL's <c>f_divergence_type</c> (f-DPO): how a log-ratio ρ = log πθ − log πref becomes the score the DPO-family
/// losses compare. Rewards and metrics always use ρ itself.
/// </summary>
public enum FDivergenceType
{
    /// <summary>Score ρ: standard DPO.</summary>
    ReverseKl,

    /// <summary>Score −exp(−ρ).</summary>
    ForwardKl,

    /// <summary>Score log σ(ρ).</summary>
    JsDivergence,

    /// <summary>Score exp((α − 1)ρ)/(α − 1) with α = f_alpha_divergence_coef, the exponent clamped ≤ 80; α = 1 is ρ.</summary>
    AlphaDivergence,
}
