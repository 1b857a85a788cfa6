using System.Text.RegularExpressions;
using Tsumugi.Evaluation.Rewards;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Evaluation.Tests.Rewards;

/// <summary>The examples in docs/dpo.md ("Rewards for online DPO") are read and run, so the page cannot drift from the code.</summary>
public sealed partial class RewardDocsTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-reward-docs");

    // The examples name OPENAI_API_KEY; the test points them at a variable of its own instead of touching the real one.
    readonly string _keyVariable = $"TSUMUGI_DOCS_KEY_{Guid.NewGuid():N}";

    public RewardDocsTests() => Environment.SetEnvironmentVariable(_keyVariable, "sk-docs-test");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_keyVariable, null);
        _dir.Dispose();
    }

    /// <summary>The page's "Rewards for online DPO" section (the other sections' YAML examples are whole configs).</summary>
    static string Page
    {
        get
        {
            var page = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "dpo.md"));
            var start = page.IndexOf("\n## Rewards for online DPO", StringComparison.Ordinal);
            Assert.True(start >= 0, "docs/dpo.md has no 'Rewards for online DPO' section");
            var end = page.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
            return end < 0 ? page[start..] : page[start..end];
        }
    }

    static List<string> Blocks(string language) => Fence().Matches(Page).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value).ToList();

    [Fact]
    public void EveryYamlExampleIsAValidRewardMappingAndEveryTypeHasOne()
    {
        Directory.CreateDirectory(_dir.File("prompts"));
        File.WriteAllText(_dir.File("prompts/reward-judge.txt"), "{prompt}\n{response}\n[[N]]"); // the file the judge example names
        var types = new List<string>();
        foreach (var block in Blocks("yaml"))
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(block.Replace("api_key_env: OPENAI_API_KEY", $"api_key_env: {_keyVariable}", StringComparison.Ordinal)));
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            var config = RewardScorerConfig.Read(root.Children[new YamlScalarNode("reward")], "docs/dpo.md", "reward", _dir.Path);
            types.Add(config.Type);
            Assert.Equal(config.Type, RewardScorerFactory.Create(config) switch
            {
                RegexRewardScorer => RewardScorerConfig.Regex,
                ExactAnswerRewardScorer => RewardScorerConfig.ExactAnswer,
                ScriptRewardScorer => RewardScorerConfig.Script,
                JudgeRewardScorer => RewardScorerConfig.Judge,
                var other => other.Name,
            });
        }
        Assert.Equal(RewardScorerConfig.Types.Order(), types.Distinct().Order());
    }

    [Fact]
    public async Task TheScriptExampleRewardsAnswersEndingInDesu()
    {
        File.WriteAllText(_dir.File("desu.sh"), Assert.Single(Blocks("sh")));
        var scorer = new ScriptRewardScorer("sh desu.sh", TimeSpan.FromSeconds(30), _dir.Path);
        var scores = await scorer.ScoreAsync([new("a", "p", "東京です", null), new("b", "p", "東京", "x"), new("c", "p", "です。", null)]);
        Assert.Equal([1, 0, 0], scores.Select(s => s.Value));
    }

    [GeneratedRegex(@"```(\w+)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fence();

}
