using Tsumugi.Common.Config;
using Tsumugi.Training.Config;
using static Tsumugi.Training.Preference.PreferenceLossType;

namespace Tsumugi.Training.Preference;

/// <summary>
/// The loss keys of a preference run, named and defaulted as TRL's DPOConfig / CPOConfig / ORPOConfig / KTOConfig.
/// <see cref="Validate"/> refuses values a loss cannot use, so a setting is never silently ignored.
/// </summary>
public sealed class PreferenceLossSettings
{
    static readonly PreferenceLossSettings Defaults = new();

    public PreferenceLossType LossType { get; init; } = Sigmoid;

    /// <summary>β: the inverse temperature of the DPO family; ORPO's λ; KTO's β.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>ε: the label-noise rate of robust, exo_pair, aot, aot_unpaired, cpo and simpo; in [0, 0.5).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>SimPO's target margin γ (the logits are shifted by γ/β).</summary>
    public double SimpoGamma { get; init; } = 0.5;

    /// <summary>CPO/SimPO: the weight of the chosen rows' NLL; null = TRL's 1.0 (pure SimPO needs 0).</summary>
    public double? CpoAlpha { get; init; }

    /// <summary>DiscoPOP's τ.</summary>
    public double DiscopopTau { get; init; } = 0.05;

    public FDivergenceType FDivergence { get; init; } = FDivergenceType.ReverseKl;

    /// <summary>α of the alpha divergence (TRL's default 0.5; 1 is the reverse KL).</summary>
    public double FAlphaDivergenceCoef { get; init; } = 0.5;

    /// <summary>KTO: the weight of the desirable examples' losses.</summary>
    public double DesirableWeight { get; init; } = 1.0;

    /// <summary>KTO: the weight of the undesirable examples' losses.</summary>
    public double UndesirableWeight { get; init; } = 1.0;

    /// <summary>Whether the loss needs the reference model's log-probs (ORPO, SimPO, CPO and sft do not).</summary>
    public bool RequiresReference => LossType is not (Orpo or Simpo or Cpo or PreferenceLossType.Sft);

    /// <summary>KTO and apo_zero_unpaired: single examples labelled desirable or not, scored by <see cref="KtoLoss"/>.</summary>
    public bool IsUnpaired => LossType is Kto or ApoZeroUnpaired;

    /// <summary>ORPO and SimPO use the completion log-probs averaged over completion tokens instead of summed.</summary>
    public bool LengthNormalized => LossType is Orpo or Simpo;

    /// <summary>The weight of the chosen rows' whole-sequence NLL in the loss: 1 for ORPO, cpo_alpha for CPO/SimPO, else 0.</summary>
    public double NllWeight => LossType switch
    {
        Orpo => 1.0,
        Cpo or Simpo => CpoAlpha ?? 1.0,
        _ => 0.0,
    };

    /// <summary>Losses that take ε.</summary>
    internal bool UsesLabelSmoothing => LossType is Sigmoid or Robust or ExoPair or Aot or AotUnpaired or Cpo or Simpo;

    /// <summary>Losses built on the f-divergence scores (the rest use the log-ratios or log-probs directly).</summary>
    internal bool UsesScores => LossType is Sigmoid or Hinge or Ipo or Robust or ExoPair or BcoPair or SppoHard or NcaPair
        or ApoDown or Discopop or SigmoidNorm;

    /// <summary>Throws <see cref="TrainConfigException"/> naming the key, the value and what to do.</summary>
    public void Validate()
    {
        var loss = $"loss_type {Name(LossType)}";
        Require(double.IsFinite(Beta) && Beta > 0, $"beta must be > 0 (TRL's default 0.1), not {Beta}");
        Require(LabelSmoothing is >= 0 and < 0.5,
            $"label_smoothing must be in [0, 0.5), not {LabelSmoothing}: it is the rate of flipped labels (above 0.5, swap chosen and rejected)");
        Require(LabelSmoothing == 0 || UsesLabelSmoothing,
            $"label_smoothing {LabelSmoothing} has no effect with {loss}; only sigmoid (cDPO), robust, exo_pair, aot, aot_unpaired, cpo and simpo use it" +
            (LossType == Sigmoid ? " (TRL's sigmoid dropped its cDPO smoothing; use robust for noisy labels)" : ""));
        Require(LossType != ExoPair || LabelSmoothing > 0, "loss_type exo_pair needs label_smoothing > 0 (the EXO paper uses 1e-3)");
        Require(FDivergence == FDivergenceType.ReverseKl || UsesScores,
            $"f_divergence_type {Name(FDivergence)} has no effect with {loss}; it applies to the DPO losses built on the log-ratio scores " +
            "(sigmoid, hinge, ipo, robust, exo_pair, bco_pair, sppo_hard, nca_pair, apo_down, discopop, sigmoid_norm)");
        Require(double.IsFinite(FAlphaDivergenceCoef), $"f_alpha_divergence_coef must be a finite number, not {FAlphaDivergenceCoef}");
        Require(FAlphaDivergenceCoef == Defaults.FAlphaDivergenceCoef || FDivergence == FDivergenceType.AlphaDivergence,
            $"f_alpha_divergence_coef is used only with f_divergence_type alpha_divergence, not {Name(FDivergence)}");
        Require(double.IsFinite(SimpoGamma), $"simpo_gamma must be a finite number, not {SimpoGamma}");
        Require(SimpoGamma == Defaults.SimpoGamma || LossType == Simpo, $"simpo_gamma is used only by loss_type simpo, not {Name(LossType)}");
        Require(double.IsFinite(DiscopopTau) && DiscopopTau > 0, $"discopop_tau must be > 0 (TRL's default 0.05), not {DiscopopTau}");
        Require(DiscopopTau == Defaults.DiscopopTau || LossType == Discopop, $"discopop_tau is used only by loss_type discopop, not {Name(LossType)}");
        if (CpoAlpha is { } alpha)
        {
            Require(double.IsFinite(alpha) && alpha >= 0, $"cpo_alpha must be >= 0, not {alpha}");
            Require(LossType != Orpo, "cpo_alpha does not apply to orpo: ORPO's NLL weight is 1 and beta is its λ (the odds-ratio weight)");
            Require(LossType is Cpo or Simpo, $"cpo_alpha is used only by loss_type cpo and simpo, not {Name(LossType)}");
        }
        foreach (var (key, weight, fallback) in new[] { ("desirable_weight", DesirableWeight, Defaults.DesirableWeight), ("undesirable_weight", UndesirableWeight, Defaults.UndesirableWeight) })
        {
            Require(double.IsFinite(weight) && weight > 0, $"{key} must be > 0, not {weight}");
            Require(weight == fallback || IsUnpaired, $"{key} is used only by loss_type kto and apo_zero_unpaired, not {Name(LossType)}");
        }
    }

    /// <summary>The snake_case name a config writes (TRL's name).</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => YamlSection.SnakeCase(value.ToString());

    static void Require(bool ok, string message)
    {
        if (!ok) throw new TrainConfigException(message);
    }
}
