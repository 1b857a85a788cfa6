namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// One battle as Chatbot Arena records it: two models, the winner (<see cref="ModelA"/>, <see cref="ModelB"/>,
/// <see cref="Tie"/> or <see cref="TieBothBad"/>), and where it came from: the question and turn, and the judge
/// (a judge model's name, or "human" for a vote).
/// </summary>
public sealed record Battle(string ModelA, string ModelB, string Winner, string? QuestionId = null, int? Turn = null, string? Judge = null)
{
    public const string WinnerA = "model_a", WinnerB = "model_b", Tie = "tie", TieBothBad = "tie (bothbad)";

    public static readonly IReadOnlyList<string> Winners = [WinnerA, WinnerB, Tie, TieBothBad];

    public bool IsTie => Winner is Tie or TieBothBad;

    /// <summary>Model A's score in this battle: 1 win, 0 loss, ½ either tie (FastChat's compute_elo).</summary>
    public double ScoreA => Winner switch { WinnerA => 1, WinnerB => 0, _ => 0.5 };
}
