namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// One model's pairwise tally over a category (or <see cref="PairwiseScores.Overall"/>), with FastChat show_result's
/// rates: win_rate = win / n, loss_rate = loss / n, win_rate_adjusted = (win + tie / 2) / n.
/// </summary>
public sealed record PairwiseRecord(string Model, string Category, int Win, int Loss, int Tie)
{
    public int Matches => Win + Loss + Tie;
    public double WinRate => (double)Win / Matches;
    public double LossRate => (double)Loss / Matches;
    public double WinRateAdjusted => (Win + 0.5 * Tie) / Matches;
}
