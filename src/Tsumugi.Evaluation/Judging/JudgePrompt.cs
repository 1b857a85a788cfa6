namespace Tsumugi.Evaluation.Judging;

/// <summary>One judge request: which template (FastChat's names, so results compare), the system and the user message.</summary>
public sealed record JudgePrompt(string Name, string System, string User);
