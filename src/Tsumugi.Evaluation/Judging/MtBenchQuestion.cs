namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// One MT-Bench question: an id, a category, the user turns (two in MT-Bench; any number ≥ 1 is accepted) and, for
/// categories judged against a reference (math, reasoning, coding), optional reference answers, one per turn.
/// </summary>
public sealed record MtBenchQuestion(string QuestionId, string Category, IReadOnlyList<string> Turns, IReadOnlyList<string>? References)
{
    /// <summary>The reference answer for a 1-based turn, or null when the file gave none for it.</summary>
    public string? ReferenceFor(int turn) => References is { } r && turn - 1 < r.Count && r[turn - 1].Length > 0 ? r[turn - 1] : null;
}
