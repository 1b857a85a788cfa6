namespace Tsumugi.Training.Preference;

/// <summary>The metric names TRL logs for preference training (train; eval adds the <c>eval_</c> prefix).</summary>
public static class PreferenceNames
{
    /// <summary>β·ρc, or β·ℓc for reference-free losses.</summary>
    public const string RewardsChosen = "rewards/chosen";

    public const string RewardsRejected = "rewards/rejected";

    /// <summary>1 where the chosen reward beats the rejected one, else 0.</summary>
    public const string RewardsAccuracies = "rewards/accuracies";

    public const string RewardsMargins = "rewards/margins";

    /// <summary>The policy's completion log-prob (summed; length-averaged for ORPO and SimPO, as TRL logs them).</summary>
    public const string LogpsChosen = "logps/chosen";

    public const string LogpsRejected = "logps/rejected";

    /// <summary>ORPO/CPO/SimPO: the chosen sequence's NLL.</summary>
    public const string NllLoss = "nll_loss";

    /// <summary>ORPO: log σ(log-odds ratio).</summary>
    public const string LogOddsRatio = "log_odds_ratio";

    /// <summary>ORPO: the log-odds ratio itself.</summary>
    public const string LogOddsChosen = "log_odds_chosen";

    /// <summary>KTO: the batch's clamped KL estimate z0.</summary>
    public const string Kl = "kl";
}
