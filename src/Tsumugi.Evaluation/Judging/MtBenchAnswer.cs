namespace Tsumugi.Evaluation.Judging;

/// <summary>The model's answers to every turn of one question, in order.</summary>
public sealed record MtBenchAnswer(MtBenchQuestion Question, IReadOnlyList<TurnAnswer> Turns);
