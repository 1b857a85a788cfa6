using Tsumugi.Common.Config;
using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Tests.Sft;

public class SftDataConfigTests
{
    [Fact]
    public void Parse_FullSection_ReadsEveryKey()
    {
        var yaml = """
            paths: [sft/dolly-ja.jsonl, "sft/**/*.parquet"]
            format: alpaca
            columns: {instruction: question, output: answer}
            system_prompt: あなたは誠実なアシスタントです。
            validation_fraction: 0.05
            overlong: skip
            packing: padding
            megabatch_factor: 20
            seed: 42
            rejects: out/rejects.jsonl
            """;

        var c = SftDataConfig.Parse(yaml, "sft.yaml", "/base");

        Assert.Equal(["/base/sft/dolly-ja.jsonl", "/base/sft/**/*.parquet"], c.Paths);
        Assert.Equal(SftFormat.Alpaca, c.Format);
        Assert.Equal(new SftColumns { Instruction = "question", Output = "answer" }, c.Columns);
        Assert.Equal("あなたは誠実なアシスタントです。", c.SystemPrompt);
        Assert.Equal(0.05, c.ValidationFraction);
        Assert.Equal(SftOverlong.Skip, c.Overlong);
        Assert.Equal(SftPacking.Padding, c.Packing);
        Assert.Equal(20, c.MegabatchFactor);
        Assert.Equal(42, c.Seed);
        Assert.Equal("/base/out/rejects.jsonl", c.Rejects);
    }

    [Fact]
    public void Parse_OnlyPaths_UsesRecordDefaults()
    {
        var c = SftDataConfig.Parse("paths: a.jsonl", "sft.yaml", "/base");

        Assert.Equal(new SftDataConfig { Source = "sft.yaml", Paths = c.Paths }, c);
        Assert.Equal(SftPacking.Bfd, c.Packing);
        Assert.Equal(SftFormat.Auto, c.Format);
    }

    [Fact]
    public void FromYaml_DataSectionOfTrainingConfig_NamesKeyPathAndLineInErrors()
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader("model: x\ndata:\n  paths: a.jsonl\n  columns:\n    instructions: q\n"));
        var data = (YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode)["data"];

        var e = Assert.Throws<SftDataException>(() => SftDataConfig.FromYaml(data, "sft.yaml", "/base"));

        Assert.StartsWith("sft.yaml:5: unknown key 'data.columns.instructions' (allowed in 'data.columns': instruction, input, output", e.Message);
    }

    [Theory]
    [InlineData("paths: a.jsonl\nformat: chatml\n", "sft.yaml:2: format: 'chatml' is not one of auto, alpaca, sharegpt, openai, prompt_completion")]
    [InlineData("paths: a.jsonl\npacking: wrapped\n", "sft.yaml:2: packing: 'wrapped' is not one of bfd, padding, none")]
    [InlineData("paths: a.jsonl\nvalidation_fraction: 0.9\n", "sft.yaml:2: validation_fraction: 0.9 is outside [0, 0.5]")]
    [InlineData("format: openai\n", "sft.yaml:1: paths: missing 'paths'")]
    public void Parse_BadValue_OneLineErrorWithLine(string yaml, string expected)
    {
        var e = Assert.Throws<SftDataException>(() => SftDataConfig.Parse(yaml, "sft.yaml", "/base"));

        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void YamlKeys_ComeFromTheRecord()
    {
        Assert.Equal(ConfigKeys.Of<SftDataConfig>(), SftDataConfig.YamlKeys);
        Assert.Equal(["paths", "format", "columns", "system_prompt", "validation_fraction", "overlong", "packing", "megabatch_factor", "seed", "rejects"], SftDataConfig.YamlKeys);
    }
}
