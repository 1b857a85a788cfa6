using Tsumugi.Common.Config;
using Tsumugi.Composition.Config;

namespace Tsumugi.Composition.Tests;

public class MergeConfigReaderTests
{
    // mergekit's examples/ as quoted in reference/post-training.md §6.3 (comment lines trimmed there), unchanged.
    const string GradientSlerp = """
        slices:
          - sources:
              - model: psmathur/orca_mini_v3_13b
                layer_range: [0, 40]
              - model: garage-bAInd/Platypus2-13B
                layer_range: [0, 40]
        merge_method: slerp
        base_model: psmathur/orca_mini_v3_13b
        parameters:
          t:
            - filter: self_attn
              value: [0, 0.5, 0.3, 0.7, 1]
            - filter: mlp
              value: [1, 0.5, 0.7, 0.3, 0]
            - value: 0.5 # fallback for rest of tensors
        dtype: float16
        """;

    const string Ties = """
        models:
          - model: psmathur/orca_mini_v3_13b
            parameters:
              density: [1, 0.7, 0.1] # density gradient
              weight: 1.0
          - model: garage-bAInd/Platypus2-13B
            parameters:
              density: 0.5
              weight: [0, 0.3, 0.7, 1] # weight gradient
          - model: WizardLM/WizardMath-13B-V1.0
            parameters:
              density: 0.33
              weight:
                - filter: mlp
                  value: 0.5
                - value: 0
        merge_method: ties
        base_model: TheBloke/Llama-2-13B-fp16
        parameters:
          normalize: true
          int8_mask: true
        dtype: float16
        """;

    const string Frankenmerge = """
        slices:
          - sources:
            - model: psmathur/orca_mini_v3_13b
              layer_range: [0, 24]
          - sources:
            - model: garage-bAInd/Platypus2-13B
              layer_range: [20, 40]
        merge_method: passthrough
        dtype: float16
        """;

    [Fact]
    public void Parse_MergekitExampleConfigs_ReadUnchanged()
    {
        var slerp = MergeConfigReader.Parse(GradientSlerp, "gradient-slerp.yml");
        Assert.Equal("slerp", slerp.Method);
        Assert.Equal("F16", slerp.Dtype);
        Assert.Equal([(0, 40), (0, 40)], slerp.Slices[0].Sources.Select(s => s.LayerRange!.Value));
        var t = slerp.Parameters["t"];
        Assert.Equal(0.0, t.Evaluate("model.layers.0.self_attn.q_proj.weight", 0));
        Assert.Equal(1.0, t.Evaluate("model.layers.0.mlp.up_proj.weight", 0));
        Assert.Equal(0.5, t.Evaluate("model.norm.weight", 0));

        var ties = MergeConfigReader.Parse(Ties, "ties.yml");
        Assert.True(ties.FromModels);
        Assert.Equal("TheBloke/Llama-2-13B-fp16", ties.BaseModel);
        Assert.Equal(3, ties.Slices[0].Sources.Count);
        Assert.Equal(true, ties.Parameters["int8_mask"].Evaluate("x", 0));
        var wizardWeight = ties.Slices[0].Sources[2].Parameters["weight"];
        Assert.Equal(0.5, wizardWeight.Evaluate("model.layers.3.mlp.down_proj.weight", 0.5));
        Assert.Equal(0.0, wizardWeight.Evaluate("model.layers.3.self_attn.o_proj.weight", 0.5));

        var frankenmerge = MergeConfigReader.Parse(Frankenmerge, "orcamini-platy-44layer.yml");
        Assert.Equal([(0, 24), (20, 40)], frankenmerge.Slices.Select(s => s.Sources[0].LayerRange!.Value));
    }

    [Fact]
    public void Load_RepositoryExampleConfigs_ParseWithTheirMethods()
    {
        var files = Directory.GetFiles(RepoPaths.Configs, "merge-*.yaml");
        Assert.True(files.Length >= 5, $"expected the merge examples in {RepoPaths.Configs}");
        foreach (var file in files)
        {
            var config = MergeConfigReader.Load(file);
            Assert.Contains(config.Method.Split('_')[0], Path.GetFileName(file)); // merge-dare.yaml holds dare_ties, …
        }
    }

    [Fact]
    public void Evaluate_GradientAcrossLayers_InterpolatesAsMergekit()
    {
        var setting = new GradientSetting([0, 0.5, 1], 1);
        Assert.Equal(0.0, (double)setting.Evaluate("w", 0 / 31.0)!, 9);
        Assert.Equal(16 / 31.0, (double)setting.Evaluate("w", 16 / 31.0)!, 9); // ≈ 0.516 at layer 16 of 32
        Assert.Equal(1.0, (double)setting.Evaluate("w", 1)!, 9);
        var uneven = new GradientSetting([0, 0.5, 0.3, 0.7, 1], 1);
        Assert.Equal(0.5 + (0.3 - 0.5) * 0.2, (double)uneven.Evaluate("w", 0.3)!, 9); // scaled 1.2 → between 0.5 and 0.3
    }

    [Fact]
    public void Parse_TokenizerSection_ReadsSourceTokensAndPadding()
    {
        var config = MergeConfigReader.Parse("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\ntokenizer:\n  pad_to_multiple_of: 64\n  tokens:\n" +
            "    <|im_start|>:\n      source: a\n      force: true\n    <pad>:\n      source: {kind: zero}\n    x:\n      source: {kind: model_token, model: a, token_id: 5}\n", "cfg.yaml");
        var t = config.Tokenizer!;
        Assert.Equal("union", t.Source); // mergekit's default for the section
        Assert.Equal(64, t.PadToMultipleOf);
        Assert.Equal(new TokenEmbeddingSetting(new ModelEmbeddingSource("a"), true, 8), t.Tokens["<|im_start|>"]);
        Assert.IsType<ZeroEmbeddingSource>(t.Tokens["<pad>"].Source);
        Assert.Equal(new ModelTokenEmbeddingSource("a", 5, null), t.Tokens["x"].Source);
        var plain = MergeConfigReader.Parse("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\ntokenizer_source: base\n", "cfg.yaml");
        Assert.Equal(("base", 0, (int?)null), (plain.Tokenizer!.Source, plain.Tokenizer.Tokens.Count, plain.Tokenizer.PadToMultipleOf));
        Assert.Null(MergeConfigReader.Parse("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\n", "cfg.yaml").Tokenizer);
    }

    [Theory]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\nseed: 3\n", "cfg.yaml:5:", "unknown key 'seed'")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\n    weight: 1\n", "cfg.yaml:4:", "unknown key 'weight' in a models entry")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\n    parameters:\n      wieght: 1\n", "cfg.yaml:5:", "unknown parameter 'wieght' for merge_method linear")]
    [InlineData("merge_method: lerp\nmodels:\n  - model: a\n", "cfg.yaml:1:", "unknown merge_method 'lerp'")]
    [InlineData("merge_method: della\nmodels:\n  - model: a\n", "cfg.yaml:1:", "Tsumugi does not implement")]
    [InlineData("merge_method: ties\nmodels:\n  - model: a\nslices: []\n", "cfg.yaml:1:", "exactly one of models or slices")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\ntokenizer_source: union\ntokenizer:\n  source: base\n", "cfg.yaml:6:", "not both")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\ntokenizer:\n  tokens:\n    x: {force: true}\n", "cfg.yaml:6:", "tokens entry 'x' needs source")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\ntokenizer:\n  tokens:\n    x: {source: {kind: mean}}\n", "cfg.yaml:6:", "unknown source kind 'mean'")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\ntokenizer:\n  tokens:\n    x: {source: {kind: model_token, model: a}}\n", "cfg.yaml:6:", "exactly one of token_id or token")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\ntokenizer:\n  pad_to_multiple_of: 0\n", "cfg.yaml:5:", "pad_to_multiple_of must be a positive integer")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\ntokenizer:\n  padding: 8\n", "cfg.yaml:5:", "unknown key 'padding' in the tokenizer section")]
    [InlineData("merge_method: linear\nmodels:\n  - model: a\ndtype: int8\n", "cfg.yaml:4:", "dtype 'int8' is not supported")]
    [InlineData("merge_method: passthrough\nslices:\n  - sources:\n      - model: a\n        layer_range: [4, 2]\n", "cfg.yaml:5:", "layer_range must be")]
    public void Parse_BadConfig_NamesLineAndKey(string yaml, string location, string message)
    {
        var e = Assert.Throws<ConfigException>(() => MergeConfigReader.Parse(yaml, "cfg.yaml"));
        Assert.StartsWith(location, e.Message);
        Assert.Contains(message, e.Message);
    }
}
