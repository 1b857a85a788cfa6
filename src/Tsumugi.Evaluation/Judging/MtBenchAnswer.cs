namespace Tsumugi.Evaluation.Judging;

/// <summary>The model's answers to every turn of one question, in order.</summary>
public sealed record MtBenchAnswer(MtBenchQuestion Question, IReadOnlyList<TurnAnswer> Turns);

/// <summary>
/// One generated answer and how it was made: temperature (0 = greedy), seed, token counts and finish reason
/// ("stop", "length", or "context_overflow" when the conversation left no room and nothing was generated).
/// </summary>
public sealed record TurnAnswer(string Text, double Temperature, long Seed, int PromptTokens, int CompletionTokens, string FinishReason)
{
    public bool Overflowed => FinishReason == JudgeFailure.ContextOverflow;
}
