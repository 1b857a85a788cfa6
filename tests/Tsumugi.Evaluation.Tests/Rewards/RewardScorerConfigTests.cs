using Tsumugi.Common.Config;
using Tsumugi.Evaluation.Rewards;

namespace Tsumugi.Evaluation.Tests.Rewards;

public sealed class RewardScorerConfigTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-reward-config");

    public void Dispose() => _dir.Dispose();

    RewardScorerConfig Parse(string yaml) => RewardScorerConfig.Parse(yaml, "dpo.yaml", _dir.Path);

    static string Error(Func<object> read) => Assert.Throws<ConfigException>(read).Message;

    [Fact]
    public async Task EachTypeBuildsItsScorerWithTheConfiguredSettings()
    {
        var regex = Assert.IsType<RegexRewardScorer>(RewardScorerFactory.Create(Parse("type: regex\npattern: '答え：\\d+$'\nfull_match: true")));
        Assert.Equal((@"答え：\d+$", true), (regex.Pattern, regex.FullMatch));
        Assert.IsType<ExactAnswerRewardScorer>(RewardScorerFactory.Create(Parse("type: exact_answer")));

        File.WriteAllText(_dir.File("score.sh"), "cat > /dev/null; echo 0.5\n");
        var script = Assert.IsType<ScriptRewardScorer>(RewardScorerFactory.Create(Parse("type: script\ncommand: bash score.sh\ntimeout_seconds: 7.5")));
        Assert.Equal(TimeSpan.FromSeconds(7.5), script.Timeout);
        Assert.Equal(0.5, Assert.Single(await script.ScoreAsync([new("a", "p", "r", null)])).Value); // runs in the config's directory
        Assert.Equal(TimeSpan.FromSeconds(RewardScorerConfig.DefaultScriptTimeoutSeconds),
            ((ScriptRewardScorer)RewardScorerFactory.Create(Parse("type: script\ncommand: 'true'"))).Timeout);

        var judge = Assert.IsType<JudgeRewardScorer>(RewardScorerFactory.Create(Parse("""
            type: judge
            base_url: http://127.0.0.1:8000/v1
            model: qwen-judge
            max_concurrency: 8
            retries: 5
            timeout_seconds: 30
            temperature: 0.3
            max_tokens: 256
            price_input_per_million: 0.15
            price_output_per_million: 0.6
            """)));
        var s = judge.Settings;
        Assert.Equal(("http://127.0.0.1:8000/v1", "qwen-judge", "none", 8, 5, TimeSpan.FromSeconds(30), 0.3, 256),
            (s.Url, s.Model, s.ApiKey, s.Concurrency, s.Retries, s.Timeout, s.Temperature, s.MaxTokens));
        Assert.True(s.RetryWithoutVerdict);
        Assert.Equal(new RewardPricing(0.15, 0.6), judge.Tally.Pricing);
        Assert.Equal("judge:qwen-judge", judge.Name);
        var defaults = Parse("type: judge\nbase_url: http://h/v1\nmodel: m");
        Assert.Equal((4, 2, 120.0, 0.0, 2048, (string?)null), (defaults.MaxConcurrency, defaults.Retries, defaults.TimeoutSeconds, defaults.Temperature, defaults.MaxTokens, defaults.TemplateText));
    }

    [Fact]
    public void TheTemplateIsAFileOrInlineTextAndTheKeyComesFromTheNamedVariable()
    {
        File.WriteAllText(_dir.File("judge.txt"), "質問：{prompt}\n回答：{response}\n[[N]]");
        Assert.Equal("質問：{prompt}\n回答：{response}\n[[N]]", Parse("type: judge\nbase_url: http://h/v1\nmodel: m\ntemplate: judge.txt").TemplateText);
        Assert.Equal("採点して [[N]]：{response}", Parse("type: judge\nbase_url: http://h/v1\nmodel: m\ntemplate: '採点して [[N]]：{response}'").TemplateText);
        Assert.Equal("一行目\n{response}\n", Parse("type: judge\nbase_url: http://h/v1\nmodel: m\ntemplate: |\n  一行目\n  {response}\n").TemplateText);

        var variable = $"TSUMUGI_TEST_KEY_{Guid.NewGuid():N}";
        var config = Parse($"type: judge\nbase_url: http://h/v1\nmodel: m\napi_key_env: {variable}");
        Assert.Equal($"dpo.yaml: api_key_env: environment variable {variable} is not set; export it before the run, or drop api_key_env for a server without keys",
            Error(() => RewardScorerFactory.Create(config)));
        Environment.SetEnvironmentVariable(variable, "sk-secret");
        try { Assert.Equal("sk-secret", ((JudgeRewardScorer)RewardScorerFactory.Create(config)).Settings.ApiKey); }
        finally { Environment.SetEnvironmentVariable(variable, null); }
    }

    [Theory]
    [InlineData("pattern: a", "dpo.yaml:1: the reward config has no 'type'; give one of regex, exact_answer, script, judge")]
    [InlineData("type: bradley_terry", "dpo.yaml:1: type: 'bradley_terry' is not one of regex, exact_answer, script, judge")]
    [InlineData("type: regex\npatern: a", "dpo.yaml:2: unknown key 'patern' (allowed in 'the top level': ")]
    [InlineData("type: regex\npattern: a\nmodel: m", "dpo.yaml:3: model: does not apply to type regex (keys for regex: pattern, full_match)")]
    [InlineData("type: exact_answer\npattern: a", "dpo.yaml:2: pattern: does not apply to type exact_answer (exact_answer takes no other keys)")]
    [InlineData("type: regex", "dpo.yaml:1: pattern: missing; type regex needs the pattern a good response matches")]
    [InlineData("type: regex\npattern: '答え(\\d+'", "dpo.yaml:2: pattern: '答え(\\d+' is not a valid .NET regular expression")]
    [InlineData("type: regex\npattern: a\nfull_match: maybe", "dpo.yaml:3: full_match: 'maybe' is not true or false")]
    [InlineData("type: script", "dpo.yaml:1: command: missing; type script needs the command")]
    [InlineData("type: script\ncommand: x\ntimeout_seconds: 0", "dpo.yaml:3: timeout_seconds: 0 is outside [0.001, ")]
    [InlineData("type: judge\nmodel: m", "dpo.yaml:1: base_url: missing; give the judge's OpenAI-compatible API base")]
    [InlineData("type: judge\nbase_url: localhost:8000\nmodel: m", "dpo.yaml:2: base_url: 'localhost:8000' is not an http(s) URL")]
    [InlineData("type: judge\nbase_url: http://h/v1", "dpo.yaml:1: model: missing")]
    [InlineData("type: judge\nbase_url: http://h/v1\nmodel: m\nmax_concurrency: 0", "dpo.yaml:4: max_concurrency: 0 is outside [1, 64]")]
    [InlineData("type: judge\nbase_url: http://h/v1\nmodel: m\nretries: many", "dpo.yaml:4: retries: 'many' is not an integer")]
    [InlineData("type: judge\nbase_url: http://h/v1\nmodel: m\ntemperature: 3", "dpo.yaml:4: temperature: 3 is outside [0, 2]")]
    [InlineData("type: judge\nbase_url: http://h/v1\nmodel: m\nprice_output_per_million: -1", "dpo.yaml:4: price_output_per_million: -1 is outside [0, ")]
    [InlineData("type: judge\nbase_url: http://h/v1\nmodel: m\napi_key_env: sk-abc123", "dpo.yaml:4: api_key_env: 'sk-abc123' is not an environment variable name")]
    [InlineData("type: judge\nbase_url: http://h/v1\nmodel: m\ntemplate: missing.txt", "dpo.yaml:4: template: 'missing.txt' is neither a file (looked for ")]
    [InlineData("type: judge\nbase_url: http://h/v1\nmodel: m\ntemplate: \"{prompt}\\n[[N]]\"", "dpo.yaml:4: template: the judge template has no {response} placeholder")]
    [InlineData("type: regex\npattern: [a", "dpo.yaml:3: invalid YAML")]
    public void BadConfigsNameTheFileLineAndKey(string yaml, string expectedStart) =>
        Assert.StartsWith(expectedStart, Error(() => Parse(yaml)));

    [Fact]
    public void ANestedSectionNamesItsPathAndDefaultsNeedNoFile()
    {
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader("iterations: 3\nreward:\n  type: judge\n  base_url: http://h/v1\n  model: m\n  retries: 11\n"));
        var root = (YamlDotNet.RepresentationModel.YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal("online.yaml:6: reward.retries: 11 is outside [0, 10]",
            Error(() => RewardScorerConfig.Read(root.Children[new YamlDotNet.RepresentationModel.YamlScalarNode("reward")], "online.yaml", "reward", _dir.Path)));
        Assert.Equal("reward config 'nope.yaml' not found; pass an existing YAML file (see docs/dpo.md)", Error(() => RewardScorerConfig.Load("nope.yaml")));
    }
}
