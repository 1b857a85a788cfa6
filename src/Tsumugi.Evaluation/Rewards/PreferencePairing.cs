namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Turns the k scored samples of one prompt into a preference pair, as RLHFlow's online DPO loop does between scoring
/// and training. Samples whose scoring failed take no part (a failure is not a low reward). The chosen sample is the
/// first with the highest score (numpy's argmax); for <see cref="PairingStrategy.MaxMin"/> the rejected one is the first
/// with the lowest, for <see cref="PairingStrategy.MaxRandom"/> one drawn uniformly from those scored strictly lower.
/// When every usable score is equal — or fewer than two samples were scored — there is no preference and no pair,
/// as RLHFlow drops equal-reward pairs. (RLHFlow's max_random draws from all other samples and drops a tie; drawing
/// only among lower ones keeps a pair whenever one exists.)
/// </summary>
public static class PreferencePairing
{
    /// <returns>No pair, or one.</returns>
    public static IReadOnlyList<ScoredPair> Select(IReadOnlyList<ScoredResponse> responsesOfOnePrompt, PairingStrategy strategy, Random rng)
    {
        var scored = responsesOfOnePrompt.Where(r => r.Score is { } s && double.IsFinite(s)).ToList();
        if (scored.Count < 2) return [];
        var best = scored[0];
        foreach (var r in scored) if (r.Score > best.Score) best = r;
        ScoredResponse? rejected;
        switch (strategy)
        {
            case PairingStrategy.MaxMin:
                rejected = scored[0];
                foreach (var r in scored) if (r.Score < rejected.Score) rejected = r;
                break;
            case PairingStrategy.MaxRandom:
                var lower = scored.Where(r => r.Score < best.Score).ToList();
                rejected = lower.Count == 0 ? null : lower[rng.Next(lower.Count)];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "unknown pairing strategy");
        }
        return rejected is null || rejected.Score >= best.Score ? [] : [new ScoredPair(best, rejected)];
    }
}
