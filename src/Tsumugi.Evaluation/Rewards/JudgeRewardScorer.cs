using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Rewards from an LLM judge behind any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp, <c>tsumugi serve</c>):
/// each response is rendered into <see cref="JudgeRewardTemplate"/>, sent through the MT-Bench judge's
/// <see cref="JudgeClient"/> — at most <see cref="JudgeSettings.Concurrency"/> requests in flight, timeouts, 5xx and
/// answers without a <c>[[score]]</c> retried with growing pauses — and the score is the judge's rating. A response
/// still unscored after the retries is a failure of the judge's kind (<see cref="JudgeFailure"/>). Tokens the endpoint
/// reports are tallied, and priced by <see cref="RewardPricing"/>.
/// </summary>
public sealed class JudgeRewardScorer : IRewardScorer
{
    readonly JudgeClient _client;
    readonly JudgeRewardTemplate _template;

    /// <param name="settings">Endpoint, model, key, timeout, retries, concurrency; verdict-less answers are always retried here.</param>
    public JudgeRewardScorer(JudgeSettings settings, JudgeRewardTemplate? template = null, RewardPricing? pricing = null)
    {
        Settings = settings with { RetryWithoutVerdict = true };
        _client = new JudgeClient(Settings);
        _template = template ?? JudgeRewardTemplate.Default;
        Tally = new RewardTally(Name, pricing);
    }

    public JudgeSettings Settings { get; }
    public string Name => $"judge:{Settings.Model}";
    public RewardTally Tally { get; }

    public async Task<IReadOnlyList<RewardScore>> ScoreAsync(IReadOnlyList<RewardRequest> requests, CancellationToken ct = default)
    {
        var scores = new RewardScore[requests.Count];
        var prompts = new List<JudgePrompt>(requests.Count);
        var asked = new List<int>(requests.Count);
        for (int i = 0; i < requests.Count; i++)
        {
            if (_template.Render(requests[i]) is { } prompt)
            {
                prompts.Add(prompt);
                asked.Add(i);
            }
            else
            {
                scores[i] = RewardScore.Failed(requests[i].Id, RewardFailureKinds.NoReference, "the judge template shows {reference} and this request has none");
                Tally.Record(scores[i]);
            }
        }
        var verdicts = await _client.JudgeAllAsync(prompts, ct).ConfigureAwait(false);
        for (int k = 0; k < asked.Count; k++)
        {
            var (i, v) = (asked[k], verdicts[k]);
            scores[i] = v.Score is { } score
                ? RewardScore.Of(requests[i].Id, score)
                : RewardScore.Failed(requests[i].Id, v.Failure ?? JudgeFailure.Error, Describe(v));
            Tally.Record(scores[i], Math.Max(0, v.Attempts - 1), v.PromptTokens, v.CompletionTokens);
        }
        return scores;
    }

    static string Describe(JudgeVerdict v)
    {
        var tries = v.Attempts == 1 ? "1 attempt" : $"{v.Attempts} attempts";
        if (v.Failure == JudgeFailure.NoVerdict)
        {
            var output = (v.Output ?? "").ReplaceLineEndings(" ");
            return $"the judge's answer has no [[score]] ({tries}); last answer: '{(output.Length <= 200 ? output : output[..200] + "…")}'";
        }
        return $"{v.Error} ({tries})";
    }
}
