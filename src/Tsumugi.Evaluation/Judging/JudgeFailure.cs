namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Why a (question, turn) has no score. Each is counted in the metrics (<c>mt_bench/failures/KIND</c>) and excluded
/// from the averages, like FastChat's score −1.
/// </summary>
public static class JudgeFailure
{
    /// <summary>No answer within <c>--judge-timeout</c>, on every attempt.</summary>
    public const string Timeout = "judge_timeout";

    /// <summary>The endpoint failed: HTTP error status, refused connection, malformed response.</summary>
    public const string Error = "judge_error";

    /// <summary>The judge answered but without a <c>[[rating]]</c> (or <c>[rating]</c>).</summary>
    public const string NoVerdict = "no_verdict";

    /// <summary>The conversation so far fills the model's context window, so there was no answer to judge.</summary>
    public const string ContextOverflow = "context_overflow";

    public static readonly IReadOnlyList<string> All = [Timeout, Error, NoVerdict, ContextOverflow];
}
