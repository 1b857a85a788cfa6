namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Reads a pairwise verdict as FastChat does: <c>[[A]]</c> anywhere in the text wins, else <c>[[B]]</c>, else
/// <c>[[C]]</c> (tie); nothing is a failure (FastChat's "error"), never a guess. The order of the checks matters only for
/// a judge that writes several verdicts, and it is FastChat's.
/// </summary>
public static class PairwiseVerdictParser
{
    public const string A = "A", B = "B", Tie = "tie";

    /// <summary><see cref="A"/>, <see cref="B"/>, <see cref="Tie"/>, or null when the text holds no verdict.</summary>
    public static string? Parse(string? judgeOutput)
    {
        if (string.IsNullOrEmpty(judgeOutput)) return null;
        if (judgeOutput.Contains("[[A]]", StringComparison.Ordinal)) return A;
        if (judgeOutput.Contains("[[B]]", StringComparison.Ordinal)) return B;
        if (judgeOutput.Contains("[[C]]", StringComparison.Ordinal)) return Tie;
        return null;
    }
}
