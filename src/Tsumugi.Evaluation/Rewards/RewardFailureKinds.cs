using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// The failure kinds scorers report. The judge's kinds are <see cref="JudgeFailure"/>'s, so reward logs and MT-Bench
/// results name the same events the same way.
/// </summary>
public static class RewardFailureKinds
{
    /// <summary>exact_answer: the request has no reference, or the reference holds no number.</summary>
    public const string BadReference = "bad_reference";

    /// <summary>regex: matching took longer than the regex timeout (a pattern that backtracks catastrophically).</summary>
    public const string RegexTimeout = "regex_timeout";

    /// <summary>script: the command exited with a non-zero status or could not be started.</summary>
    public const string ScriptError = "script_error";

    /// <summary>script: the command did not finish within <c>timeout_seconds</c> and was killed.</summary>
    public const string ScriptTimeout = "script_timeout";

    /// <summary>script: the command's output has no usable reward for this request.</summary>
    public const string ScriptOutput = "script_output";

    /// <summary>judge: no answer within <c>timeout_seconds</c>, on every attempt.</summary>
    public const string JudgeTimeout = JudgeFailure.Timeout;

    /// <summary>judge: HTTP error, refused connection or an unreadable response.</summary>
    public const string JudgeError = JudgeFailure.Error;

    /// <summary>judge: answers without a <c>[[score]]</c>, on every attempt.</summary>
    public const string NoVerdict = JudgeFailure.NoVerdict;

    /// <summary>judge: the template shows <c>{reference}</c> and the request has none.</summary>
    public const string NoReference = "no_reference";
}
