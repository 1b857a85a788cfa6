using System.Text.RegularExpressions;
using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// The user message a reward judge is sent: text with the placeholders <c>{prompt}</c>, <c>{response}</c> and
/// <c>{reference}</c>, filled in one pass (a response that itself contains "{reference}" stays as written). The
/// template must ask for the score as <c>[[N]]</c>, which <see cref="VerdictParser"/> reads. Without a user template,
/// the MT-Bench judge's own Japanese wording (<see cref="JudgePrompts"/>) is used: <c>single-v1</c>, or
/// <c>single-math-v1</c> with the reference answer when the request has one.
/// </summary>
public sealed partial class JudgeRewardTemplate
{
    /// <summary>The default for requests without a reference (MT-Bench single-v1 wording).</summary>
    public static readonly string General =
        "[指示]\n" + JudgePrompts.General + JudgePrompts.Rating + "\n\n[質問]\n{prompt}\n\n"
        + "[アシスタントの回答の開始]\n{response}\n[アシスタントの回答の終了]";

    /// <summary>The default for requests with a reference (MT-Bench single-math-v1 wording).</summary>
    public static readonly string WithReference =
        "[指示]\n" + JudgePrompts.Math + JudgePrompts.Rating + "\n\n[質問]\n{prompt}\n\n"
        + "[参照回答の開始]\n{reference}\n[参照回答の終了]\n\n"
        + "[アシスタントの回答の開始]\n{response}\n[アシスタントの回答の終了]";

    readonly string? _text;

    /// <summary>A user template, or null for the defaults.</summary>
    /// <exception cref="ArgumentException">The template does not show the response.</exception>
    public JudgeRewardTemplate(string? text = null)
    {
        if (text is not null && !text.Contains("{response}", StringComparison.Ordinal))
            throw new ArgumentException("the judge template has no {response} placeholder, so the judge would never see the answer it scores; "
                + "write {prompt}, {response} and optionally {reference} where they belong");
        _text = text;
    }

    public static JudgeRewardTemplate Default { get; } = new();

    /// <summary>The template's text (null for the built-in defaults).</summary>
    public string? Text => _text;

    /// <summary>The judge prompt for <paramref name="request"/>, or null when the template shows a reference the request lacks.</summary>
    public JudgePrompt? Render(RewardRequest request)
    {
        var text = _text ?? (request.Reference is null ? General : WithReference);
        if (request.Reference is null && text.Contains("{reference}", StringComparison.Ordinal)) return null;
        var user = Placeholder().Replace(text, m => m.Groups[1].Value switch
        {
            "prompt" => request.Prompt,
            "response" => request.Response,
            _ => request.Reference!,
        });
        return new JudgePrompt(_text is null ? request.Reference is null ? "reward-single-v1" : "reward-single-math-v1" : "reward-custom", JudgePrompts.System, user);
    }

    [GeneratedRegex(@"\{(prompt|response|reference)\}")]
    private static partial Regex Placeholder();
}
