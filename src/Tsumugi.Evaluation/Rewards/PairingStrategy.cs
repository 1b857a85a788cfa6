namespace Tsumugi.Evaluation.Rewards;

/// <summary>How the chosen/rejected pair of one prompt is picked from its scored samples (RLHFlow's <c>choose_type</c>).</summary>
public enum PairingStrategy
{
    /// <summary>Best vs worst: the largest reward margin (RLHFlow's training default).</summary>
    MaxMin,

    /// <summary>Best vs a random sample scored strictly below it: less extreme rejected responses.</summary>
    MaxRandom,
}
