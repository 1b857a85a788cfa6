using Tsumugi.Common.Config;
using Tsumugi.Training.Preference;

namespace Tsumugi.Training.Config;

/// <summary>
/// The <c>dpo:</c> section: TRL's loss keys at the top level (as in a DPOConfig/CPOConfig/KTOConfig) beside the run's own
/// (reference, chat_template, epochs, samples, sample_max_tokens).
/// </summary>
internal static class DpoYaml
{
    public static readonly IReadOnlyList<string> Keys =
    [
        "loss_type", "beta", "label_smoothing", "simpo_gamma", "cpo_alpha", "discopop_tau", "f_divergence_type",
        "f_alpha_divergence_coef", "desirable_weight", "undesirable_weight",
        "reference", "reference_model", "chat_template", "epochs", "samples", "sample_max_tokens",
    ];

    public static DpoSettings Read(YamlSection s, string baseDirectory)
    {
        var d = new DpoSettings();
        var l = new PreferenceLossSettings();
        var loss = new PreferenceLossSettings
        {
            LossType = s.Enum("loss_type", l.LossType),
            Beta = s.Double("beta", l.Beta),
            LabelSmoothing = s.Double("label_smoothing", l.LabelSmoothing),
            SimpoGamma = s.Double("simpo_gamma", l.SimpoGamma),
            CpoAlpha = s.Has("cpo_alpha") ? s.Double("cpo_alpha", 0) : null,
            DiscopopTau = s.Double("discopop_tau", l.DiscopopTau),
            FDivergence = s.Enum("f_divergence_type", l.FDivergence),
            FAlphaDivergenceCoef = s.Double("f_alpha_divergence_coef", l.FAlphaDivergenceCoef),
            DesirableWeight = s.Double("desirable_weight", l.DesirableWeight),
            UndesirableWeight = s.Double("undesirable_weight", l.UndesirableWeight),
        };
        try
        {
            loss.Validate();
        }
        catch (TrainConfigException e)
        {
            throw s.Error("loss_type", e.Message);
        }
        return new DpoSettings
        {
            Loss = loss,
            Reference = s.Enum("reference", d.Reference),
            ReferenceModel = s.PathValue("reference_model", baseDirectory),
            ChatTemplate = s.String("chat_template"),
            Epochs = s.Double("epochs", d.Epochs, 1e-9),
            Samples = s.Int("samples", d.Samples, 0, 1000),
            SampleMaxTokens = s.Int("sample_max_tokens", d.SampleMaxTokens, 1),
        };
    }
}
