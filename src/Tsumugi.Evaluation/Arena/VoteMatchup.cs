using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// One anonymised comparison on the vote page: a question, the model shown as A, the model shown as B, and both
/// conversations. Which model is which stays on the server; the page shows only "A" and "B".
/// </summary>
public sealed record VoteMatchup(int Id, MtBenchQuestion Question, string ShownA, string ShownB, IReadOnlyList<string> AnswersA, IReadOnlyList<string> AnswersB)
{
    /// <summary>
    /// Every (question, model pair), shuffled with <paramref name="seed"/>, each pair's sides drawn at random so neither
    /// model sits on one side; the whole conversation is voted on once (not per turn).
    /// </summary>
    public static IReadOnlyList<VoteMatchup> Plan(IReadOnlyList<MtBenchQuestion> questions, IReadOnlyDictionary<string, ModelAnswers> answers,
        IReadOnlyList<(string Model1, string Model2)> pairs, int seed)
    {
        var random = new Random(seed);
        var planned = (from pair in pairs from q in questions select (pair, q)).ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(planned));
        return planned.Select((x, i) =>
        {
            var (a, b) = random.Next(2) == 0 ? (x.pair.Model1, x.pair.Model2) : (x.pair.Model2, x.pair.Model1);
            return new VoteMatchup(i, x.q, a, b, answers[a].For(x.q), answers[b].For(x.q));
        }).ToList();
    }

    /// <summary>The battle a vote on this matchup records: A/B name the side shown, "tie" and "bothbad" the ties.</summary>
    public Battle Vote(string choice) => new(ShownA, ShownB, choice switch
    {
        "A" => Battle.WinnerA,
        "B" => Battle.WinnerB,
        "tie" => Battle.Tie,
        "bothbad" => Battle.TieBothBad,
        _ => throw new ArgumentException($"vote '{choice}' is not one of A, B, tie, bothbad."),
    }, Question.QuestionId, null, "human");
}
