using Tsumugi.Common.Config;
using Tsumugi.Training.Config;
using Tsumugi.Training.Preference;
using static Tsumugi.Training.Preference.PreferenceLossType;

namespace Tsumugi.Training.Tests.Preference;

/// <summary>Config names, TRL's defaults, what each loss needs, and the settings <see cref="PreferenceLossSettings.Validate"/> refuses.</summary>
public class PreferenceLossSettingsTests
{
    [Fact]
    public void EnumMembers_ReadAsTrlsLossTypeNames()
    {
        // The YAML reader maps snake_case to members; these are TRL's names (dpo_trainer, cpo/orpo/kto trainers).
        string[] trl =
        [
            "sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard", "aot", "aot_unpaired",
            "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm", "orpo", "simpo", "cpo", "kto", "apo_zero_unpaired",
        ];
        Assert.Equal(trl.Order(), Enum.GetValues<PreferenceLossType>().Select(v => YamlSection.SnakeCase(v.ToString())).Order());
        Assert.Equal(new[] { "reverse_kl", "forward_kl", "js_divergence", "alpha_divergence" },
            Enum.GetValues<FDivergenceType>().Select(v => YamlSection.SnakeCase(v.ToString())));
    }

    [Fact]
    public void Defaults_AreTrls()
    {
        var s = new PreferenceLossSettings();
        Assert.Equal((Sigmoid, 0.1, 0.0, 0.5, (double?)null, 0.05, FDivergenceType.ReverseKl, 0.5, 1.0, 1.0),
            (s.LossType, s.Beta, s.LabelSmoothing, s.SimpoGamma, s.CpoAlpha, s.DiscopopTau, s.FDivergence, s.FAlphaDivergenceCoef, s.DesirableWeight, s.UndesirableWeight));
        s.Validate();
    }

    [Theory]
    [InlineData(Sigmoid, true, false, false, 0.0)]
    [InlineData(Ipo, true, false, false, 0.0)]
    [InlineData(Orpo, false, false, true, 1.0)]
    [InlineData(Simpo, false, false, true, 1.0)]
    [InlineData(Cpo, false, false, false, 1.0)]
    [InlineData(PreferenceLossType.Sft, false, false, false, 0.0)]
    [InlineData(Kto, true, true, false, 0.0)]
    [InlineData(ApoZeroUnpaired, true, true, false, 0.0)]
    public void WhatEachLossNeeds(PreferenceLossType type, bool reference, bool unpaired, bool lengthNormalized, double nllWeight)
    {
        var s = new PreferenceLossSettings { LossType = type };
        Assert.Equal((reference, unpaired, lengthNormalized, nllWeight), (s.RequiresReference, s.IsUnpaired, s.LengthNormalized, s.NllWeight));
        s.Validate();
    }

    [Fact]
    public void CpoAlpha_IsTheNllWeightOfCpoAndSimpo()
    {
        Assert.Equal(0.25, new PreferenceLossSettings { LossType = Cpo, CpoAlpha = 0.25 }.NllWeight);
        Assert.Equal(0.0, new PreferenceLossSettings { LossType = Simpo, CpoAlpha = 0 }.NllWeight);
    }

    public static TheoryData<string> Refused() => new(RefusedCases.Keys);

    static readonly Dictionary<string, (PreferenceLossSettings Settings, string Message)> RefusedCases = new()
    {
        ["beta 0"] = (new() { Beta = 0 }, "beta must be > 0"),
        ["beta NaN"] = (new() { Beta = double.NaN }, "beta must be > 0"),
        ["label_smoothing 0.5"] = (new() { LossType = Robust, LabelSmoothing = 0.5 }, "label_smoothing must be in [0, 0.5)"),
        ["label_smoothing negative"] = (new() { LossType = Robust, LabelSmoothing = -0.1 }, "label_smoothing must be in [0, 0.5)"),
        ["label_smoothing on hinge"] = (new() { LossType = Hinge, LabelSmoothing = 0.1 }, "has no effect with loss_type hinge"),
        ["label_smoothing on orpo"] = (new() { LossType = Orpo, LabelSmoothing = 0.1 }, "has no effect with loss_type orpo"),
        ["exo_pair without smoothing"] = (new() { LossType = ExoPair }, "exo_pair needs label_smoothing > 0"),
        ["f-divergence on aot"] = (new() { LossType = Aot, FDivergence = FDivergenceType.ForwardKl }, "f_divergence_type forward_kl has no effect with loss_type aot"),
        ["f-divergence on simpo"] = (new() { LossType = Simpo, FDivergence = FDivergenceType.JsDivergence }, "has no effect with loss_type simpo"),
        ["alpha coefficient without alpha divergence"] = (new() { FAlphaDivergenceCoef = 0.3 }, "f_alpha_divergence_coef is used only with f_divergence_type alpha_divergence"),
        ["simpo_gamma on sigmoid"] = (new() { SimpoGamma = 1 }, "simpo_gamma is used only by loss_type simpo"),
        ["discopop_tau 0"] = (new() { LossType = Discopop, DiscopopTau = 0 }, "discopop_tau must be > 0"),
        ["discopop_tau on hinge"] = (new() { LossType = Hinge, DiscopopTau = 0.1 }, "discopop_tau is used only by loss_type discopop"),
        ["cpo_alpha on orpo"] = (new() { LossType = Orpo, CpoAlpha = 0.5 }, "ORPO's NLL weight is 1 and beta is its λ"),
        ["cpo_alpha on sigmoid"] = (new() { CpoAlpha = 0.5 }, "cpo_alpha is used only by loss_type cpo and simpo"),
        ["cpo_alpha negative"] = (new() { LossType = Cpo, CpoAlpha = -1 }, "cpo_alpha must be >= 0"),
        ["desirable_weight on sigmoid"] = (new() { DesirableWeight = 1.33 }, "desirable_weight is used only by loss_type kto and apo_zero_unpaired"),
        ["undesirable_weight 0"] = (new() { LossType = Kto, UndesirableWeight = 0 }, "undesirable_weight must be > 0"),
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Validate_RefusesSettingsALossCannotUse(string name)
    {
        var (settings, message) = RefusedCases[name];
        var e = Assert.Throws<TrainConfigException>(settings.Validate);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Validate_AcceptsEachLossWithItsOwnParameters()
    {
        new PreferenceLossSettings { LossType = Robust, LabelSmoothing = 0.1, FDivergence = FDivergenceType.AlphaDivergence, FAlphaDivergenceCoef = 0.3 }.Validate();
        new PreferenceLossSettings { LossType = ExoPair, LabelSmoothing = 1e-3 }.Validate();
        new PreferenceLossSettings { LossType = Simpo, SimpoGamma = 1.0, CpoAlpha = 0, LabelSmoothing = 0.1 }.Validate();
        new PreferenceLossSettings { LossType = Discopop, DiscopopTau = 0.1, FDivergence = FDivergenceType.ForwardKl }.Validate();
        new PreferenceLossSettings { LossType = Kto, DesirableWeight = 1.33, UndesirableWeight = 0.9 }.Validate();
    }
}
