using Tsumugi.Common.Config;
using Tsumugi.Datasets.Preference;
using Tsumugi.Datasets.Sft;
using Tsumugi.Datasets.Tests.Sft;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Tests.Preference;

public class PreferenceDataConfigTests
{
    [Fact]
    public void Parse_FullSection_ReadsEveryKey()
    {
        var yaml = """
            paths: [dpo/pairs.jsonl, "dpo/**/*.parquet"]
            format: paired
            columns: {prompt: question, chosen: good, rejected: bad, completion: answer, label: desirable, role: from, content: value}
            system_prompt: あなたは誠実なアシスタントです。
            validation_fraction: 0.05
            seed: 42
            rejects: out/rejects.jsonl
            """;

        var c = PreferenceDataConfig.Parse(yaml, "dpo.yaml", "/base");

        Assert.Equal(["/base/dpo/pairs.jsonl", "/base/dpo/**/*.parquet"], c.Paths);
        Assert.Equal(PreferenceFormat.Paired, c.Format);
        Assert.Equal(new PreferenceColumns { Prompt = "question", Chosen = "good", Rejected = "bad", Completion = "answer", Label = "desirable", Role = "from", Content = "value" }, c.Columns);
        Assert.Equal("あなたは誠実なアシスタントです。", c.SystemPrompt);
        Assert.Equal(0.05, c.ValidationFraction);
        Assert.Equal(42, c.Seed);
        Assert.Equal("/base/out/rejects.jsonl", c.Rejects);
        Assert.Equal("dpo.yaml", c.Source);
    }

    [Fact]
    public void Parse_OnlyPaths_DefaultsAsSft()
    {
        var c = PreferenceDataConfig.Parse("paths: a.jsonl", "dpo.yaml", "/base");

        Assert.Equal(new PreferenceDataConfig { Source = "dpo.yaml", Paths = c.Paths }, c);
        Assert.Equal(PreferenceFormat.Auto, c.Format);
        var sft = new SftDataConfig();
        Assert.Equal((sft.ValidationFraction, sft.Seed), (c.ValidationFraction, c.Seed));
        Assert.Null(c.Rejects);
    }

    [Fact]
    public void FromYaml_DataSectionOfTrainingConfig_NamesKeyPathAndLineInErrors()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader("model: x\ndata:\n  paths: a.jsonl\n  columns:\n    choosen: good\n"));
        var data = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["data"];

        var e = Assert.Throws<PreferenceDataException>(() => PreferenceDataConfig.FromYaml(data, "dpo.yaml", "/base", "data"));

        Assert.StartsWith("dpo.yaml:5: unknown key 'data.columns.choosen' (allowed in 'data.columns': prompt, chosen, rejected, completion, label, role, content)", e.Message);
    }

    [Theory]
    [InlineData("paths: a.jsonl\nformat: kto\n", "dpo.yaml:2: data.format: 'kto' is not one of auto, paired, unpaired")]
    [InlineData("paths: a.jsonl\nvalidation_fraction: 0.9\n", "dpo.yaml:2: data.validation_fraction: 0.9 is outside [0, 0.5]")]
    [InlineData("paths: a.jsonl\npacking: bfd\n", "dpo.yaml:2: unknown key 'data.packing' (allowed in 'data': paths, format, columns, system_prompt, validation_fraction, seed, rejects)")]
    [InlineData("format: paired\n", "dpo.yaml:1: data.paths: missing 'paths'")]
    [InlineData("paths: []\n", "dpo.yaml:1: data.paths: 'paths' holds an empty entry")]
    public void FromYaml_BadValue_OneLineErrorWithLineAndKey(string yaml, string expected)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));

        var e = Assert.Throws<PreferenceDataException>(() => PreferenceDataConfig.FromYaml((YamlMappingNode)stream.Documents[0].RootNode, "dpo.yaml", "/base", "data"));

        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void FromYaml_RelativePathsAndGlob_ResolveAgainstTheConfigFolderAndRead()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("dpo/part"));
        SftFiles.Lines(dir.File("dpo/part/a.jsonl"), PreferenceTestData.TextPair);
        SftFiles.Lines(dir.File("dpo/part/b.jsonl.gz"), PreferenceTestData.ConversationPair);
        var config = PreferenceDataConfig.Parse("paths: [\"dpo/**/*.jsonl*\"]", "dpo.yaml", dir.Path);

        var data = PreferenceReader.Read(config);

        Assert.Equal(2, data.Train.Count);
        Assert.Equal([dir.File("dpo/part/a.jsonl"), dir.File("dpo/part/b.jsonl.gz")], data.Report.Files);
    }

    [Fact]
    public void YamlKeys_ComeFromTheRecord()
    {
        Assert.Equal(ConfigKeys.Of<PreferenceDataConfig>(), PreferenceDataConfig.YamlKeys);
        Assert.Equal(["paths", "format", "columns", "system_prompt", "validation_fraction", "seed", "rejects"], PreferenceDataConfig.YamlKeys);
    }
}
