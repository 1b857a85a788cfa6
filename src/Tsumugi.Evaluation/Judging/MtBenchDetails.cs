namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// The <c>details</c> of an <c>eval judge</c> result file: how the answers were generated and judged (everything needed
/// to rerun it, the judge prompt and reference answer files included when given: <paramref name="ChatTemplate"/> says where the template the prompts were rendered with came from, and
/// <paramref name="ChatFormat"/> the built-in format that picked the stops), the failure counts, and every sample (<see cref="MtBenchSample"/>) so any average can be recomputed.
/// </summary>
public sealed record MtBenchDetails(
    string Questions, string ModelDirectory, string ChatFormat, string ChatTemplate, int MaxNewTokens, long Seed, double? TemperatureOverride,
    MtBenchDetails.JudgeInfo Judge, IReadOnlyDictionary<string, int> Failures, IReadOnlyList<MtBenchSample> Samples,
    string? JudgePrompts = null, string? ReferenceAnswers = null)
{
    /// <summary>The judge endpoint and request settings (the API key is never written).</summary>
    public sealed record JudgeInfo(string Url, string Model, double Temperature, int MaxTokens, double TimeoutSeconds, int Retries, int Concurrency,
        bool RetryNoVerdict)
    {
        public static JudgeInfo From(JudgeSettings s) =>
            new(s.Url, s.Model, s.Temperature, s.MaxTokens, s.Timeout.TotalSeconds, s.Retries, s.Concurrency, s.RetryWithoutVerdict);
    }
}
