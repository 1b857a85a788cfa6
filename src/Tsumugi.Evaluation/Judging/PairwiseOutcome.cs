namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// The position-swap rule of FastChat's show_result (modes pairwise-baseline and pairwise-all): a match counts as a
/// win only when both orders agree on the winner; a tie in the first order, or any disagreement, is a tie — the judge
/// preferring whichever answer it saw first says nothing about the answers.
/// </summary>
public static class PairwiseOutcome
{
    public const string Model1 = "model_1", Model2 = "model_2", Tie = "tie";

    /// <summary>A game's verdict (<see cref="PairwiseVerdictParser"/>) in model terms, given whether model 1 was shown as B.</summary>
    public static string FromVerdict(string verdict, bool swapped) => verdict switch
    {
        PairwiseVerdictParser.A => swapped ? Model2 : Model1,
        PairwiseVerdictParser.B => swapped ? Model1 : Model2,
        _ => Tie,
    };

    /// <summary>The match's result from both games' winners.</summary>
    public static string Combine(string g1Winner, string g2Winner) => g1Winner == Tie || g1Winner != g2Winner ? Tie : g1Winner;
}
