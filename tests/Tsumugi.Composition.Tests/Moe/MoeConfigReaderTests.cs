using Tsumugi.Common.Config;
using Tsumugi.Composition.Moe;

namespace Tsumugi.Composition.Tests.Moe;

public sealed class MoeConfigReaderTests
{
    const string Good = "base_model: a\ngate_mode: cheap_embed\nexperts:\n  - source_model: b\n    positive_prompts: [\"x\"]\n  - source_model: c\n    positive_prompts: [\"y\"]\n";

    [Fact]
    public void Parse_ReadsEveryKey()
    {
        var c = MoeConfigReader.Parse("base_model: a\ngate_mode: hidden_avg\ndtype: bfloat16\nexperts_per_token: 1\narchitecture: mixtral\nexperts:\n" +
            "  - source_model: b\n    positive_prompts: [\"p\", \"q\"]\n    negative_prompts: [\"n\"]\n    noise_scale: 0.01\n    residual_scale: 0.5\n", "moe.yaml");
        Assert.Equal("a", c.BaseModel);
        Assert.Equal("hidden_avg", c.GateMode);
        Assert.Equal("BF16", c.Dtype);
        Assert.Equal(1, c.ExpertsPerToken);
        var e = Assert.Single(c.Experts);
        Assert.Equal(["p", "q"], e.PositivePrompts);
        Assert.Equal(["n"], e.NegativePrompts);
        Assert.Equal(0.01, e.NoiseScale);
        Assert.Equal(0.5, e.ResidualScale);
        Assert.Equal(7, e.Line);
    }

    [Fact]
    public void Parse_Defaults_AreMergekits()
    {
        var c = MoeConfigReader.Parse("base_model: a\nexperts:\n  - source_model: b\n    positive_prompts: [x]\n  - source_model: c\n    positive_prompts: [y]\n", "m.yaml");
        Assert.Equal("hidden", c.GateMode);
        Assert.Equal(2, c.ExpertsPerToken);
        Assert.Null(c.Dtype);
    }

    [Theory]
    [InlineData("base_model: a\nlayers: 3\nexperts:\n  - source_model: b\n", "moe.yaml:2", "unknown key 'layers'")]
    [InlineData("base_model: a\nexperts:\n  - source_model: b\n    weight: 1\n", "moe.yaml:4", "unknown key 'weight'")]
    [InlineData("base_model: a\ngate_mode: learned\nexperts:\n  - source_model: b\n", "moe.yaml:2", "unknown gate_mode 'learned'")]
    [InlineData("base_model: a\narchitecture: qwen\ngate_mode: random\nexperts:\n  - source_model: b\n", "moe.yaml:2", "architecture 'qwen'")]
    [InlineData("base_model: a\ngate_mode: random\nshared_experts:\n  - source_model: b\nexperts:\n  - source_model: b\n", "moe.yaml:4", "shared_experts")]
    [InlineData("base_model: a\nexperts:\n  - source_model: b\n    positive_prompts: [x]\n  - source_model: c\n", "moe.yaml:5", "no positive_prompts")]
    [InlineData("base_model: a\nexperts:\n  - source_model: b\n    positive_prompts: [x]\n  - source_model: c\n    positive_prompts: [x]\n", "moe.yaml:3", "identical")]
    [InlineData("base_model: a\ngate_mode: random\nexperts_per_token: 3\nexperts:\n  - source_model: b\n", "moe.yaml:5", "experts_per_token is 3")]
    [InlineData("gate_mode: random\nexperts:\n  - source_model: b\n", "moe.yaml", "base_model is required")]
    [InlineData("base_model: a\ngate_mode: random\ndtype: int8\nexperts:\n  - source_model: b\n", "moe.yaml:3", "dtype 'int8'")]
    public void Parse_BadConfig_NamesFileLineAndProblem(string yaml, string where, string what)
    {
        var e = Assert.Throws<ConfigException>(() => MoeConfigReader.Parse(yaml, "moe.yaml"));
        Assert.StartsWith(where, e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void IsMoeConfig_TellsMergekitMoeFromMergekit()
    {
        Assert.True(MoeConfigReader.IsMoeConfig(Good));
        Assert.False(MoeConfigReader.IsMoeConfig("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\n"));
        Assert.False(MoeConfigReader.IsMoeConfig("experts: 3\n"));
        Assert.False(MoeConfigReader.IsMoeConfig("{{ not yaml"));
    }

    [Fact]
    public void ExampleConfigs_ParseAndAreDetected()
    {
        var files = Directory.GetFiles(RepoPaths.Configs, "moe-*.yaml");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            Assert.True(MoeConfigReader.IsMoeConfig(File.ReadAllText(file)), file);
            var c = MoeConfigReader.Load(file);
            Assert.NotEmpty(c.Experts);
        }
    }
}
