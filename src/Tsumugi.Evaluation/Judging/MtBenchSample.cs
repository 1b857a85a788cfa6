namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// One judged (question, turn), everything needed to audit its score: the user turn, the reference (if any), the
/// model's answer and how it was sampled, the exact judge prompt, the judge's raw output, and the score — or the
/// failure kind and error when there is none (then excluded from every average), and how many of the judge's
/// answers had no verdict (a retry that then gave one still counts).
/// </summary>
public sealed record MtBenchSample(
    string QuestionId, string Category, int Turn, string Question, string? Reference,
    string Answer, double Temperature, long Seed, int PromptTokens, int CompletionTokens, string FinishReason,
    string JudgePromptName, string JudgeSystem, string JudgePrompt, string? JudgeOutput,
    double? Score, string? Failure, string? Error, int JudgeAttempts, int NoVerdictReplies = 0);
