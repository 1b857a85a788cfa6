namespace Tsumugi.Evaluation.Perplexity;

/// <summary>One text to score for perplexity, its domain label and where it came from (file:line) for the audit trail.</summary>
public sealed record EvalDocument(string Source, string Domain, string Text);
