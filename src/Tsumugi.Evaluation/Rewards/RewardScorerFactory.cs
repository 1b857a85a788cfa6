using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>Builds the scorer a <see cref="RewardScorerConfig"/> describes.</summary>
public static class RewardScorerFactory
{
    /// <exception cref="Tsumugi.Common.Config.ConfigException">
    /// Something only checkable now is wrong (the API key variable is unset), or a config built in code lacks a required key.
    /// </exception>
    public static IRewardScorer Create(RewardScorerConfig c) => c.Type switch
    {
        RewardScorerConfig.Regex => new RegexRewardScorer(c.Pattern ?? throw c.Error("pattern", "missing"), c.FullMatch),
        RewardScorerConfig.ExactAnswer => new ExactAnswerRewardScorer(),
        RewardScorerConfig.Script => new ScriptRewardScorer(c.Command ?? throw c.Error("command", "missing"),
            TimeSpan.FromSeconds(c.TimeoutSeconds > 0 ? c.TimeoutSeconds : RewardScorerConfig.DefaultScriptTimeoutSeconds), c.BaseDirectory),
        RewardScorerConfig.Judge => CreateJudge(c),
        _ => throw c.Error("type", $"'{c.Type}' is not one of {string.Join(", ", RewardScorerConfig.Types)}"),
    };

    static JudgeRewardScorer CreateJudge(RewardScorerConfig c)
    {
        // Read when the scorer is built, not when the config is: a config may be checked on a machine without the key.
        var key = "none"; // servers without keys still need a non-empty bearer token from the OpenAI client
        if (c.ApiKeyEnv is { } env)
            key = Environment.GetEnvironmentVariable(env) is { Length: > 0 } value ? value
                : throw c.Error("api_key_env", $"environment variable {env} is not set; export it before the run, or drop api_key_env for a server without keys");
        var settings = new JudgeSettings
        {
            Url = c.BaseUrl ?? throw c.Error("base_url", "missing"),
            Model = c.Model ?? throw c.Error("model", "missing"),
            ApiKey = key,
            Timeout = TimeSpan.FromSeconds(c.TimeoutSeconds > 0 ? c.TimeoutSeconds : RewardScorerConfig.DefaultJudgeTimeoutSeconds),
            Retries = c.Retries,
            Concurrency = c.MaxConcurrency,
            Temperature = c.Temperature,
            MaxTokens = c.MaxTokens,
        };
        try
        {
            settings.Validate();
            return new JudgeRewardScorer(settings, new JudgeRewardTemplate(c.TemplateText), new RewardPricing(c.PriceInputPerMillion, c.PriceOutputPerMillion));
        }
        catch (ArgumentException e)
        {
            throw c.Error(null, e.Message); // a config built in code; the YAML reader checks all of this with line numbers
        }
    }
}
