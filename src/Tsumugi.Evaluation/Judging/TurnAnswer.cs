namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// One generated answer and how it was made: temperature (0 = greedy), seed, token counts and finish reason
/// ("stop", "length", or "context_overflow" when the conversation left no room and nothing was generated).
/// </summary>
public sealed record TurnAnswer(string Text, double Temperature, long Seed, int PromptTokens, int CompletionTokens, string FinishReason)
{
    public bool Overflowed => FinishReason == JudgeFailure.ContextOverflow;
}
