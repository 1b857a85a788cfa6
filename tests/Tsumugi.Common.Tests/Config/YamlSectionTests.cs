using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Common.Tests.Config;

public class YamlSectionTests
{
    private const string Yaml = """
        name: tiny
        train:
          seq_length: 512
          packing: best_fit
          tokens: 1.5B
          warmup: 0
          enabled: yes
        """;

    private static YamlMappingNode Root(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlSection Top(string yaml = Yaml) => new(Root(yaml), "tiny.yaml", "", ["name", "train"]);

    private static YamlSection Train(string yaml = Yaml) =>
        Top(yaml).Section("train", ["seq_length", "packing", "tokens", "warmup", "enabled"]);

    [Fact]
    public void Reads_typed_values_and_falls_back_to_defaults()
    {
        var train = Train();
        Assert.Equal(512, train.Int("seq_length", 0));
        Assert.Equal(1_500_000_000, train.Tokens("tokens"));
        Assert.True(train.Bool("enabled", false));
        Assert.Equal(7, train.Int("absent", 7));
        Assert.Null(train.String("absent"));
        Assert.Equal("tiny", Top().String("name"));
    }

    [Fact]
    public void Errors_name_the_file_the_line_and_the_full_key_path()
    {
        var e = Assert.Throws<ConfigException>(() => Train(Yaml.Replace("seq_length: 512", "seq_length: abc")).Int("seq_length", 0));
        Assert.Equal("tiny.yaml:3: train.seq_length: 'abc' is not an integer", e.Message);
        e = Assert.Throws<ConfigException>(() => Train().Int("seq_length", 0, max: 256));
        Assert.StartsWith("tiny.yaml:3: train.seq_length: 512 is outside", e.Message);
        Assert.Equal("tiny.yaml:6: train.warmup: must be set with a schedule", Train().Error("warmup", "must be set with a schedule").Message);
    }

    [Fact]
    public void Unknown_keys_are_refused_naming_the_key_path_and_what_is_allowed()
    {
        var e = Assert.Throws<ConfigException>(() => Train(Yaml + "\n  micro_batch: 4"));
        Assert.Equal("tiny.yaml:8: unknown key 'train.micro_batch' (allowed in 'train': seq_length, packing, tokens, warmup, enabled)", e.Message);
        e = Assert.Throws<ConfigException>(() => Top(Yaml + "\nmodel: 7b"));
        Assert.StartsWith("tiny.yaml:8: unknown key 'model' (allowed in 'the top level':", e.Message);
    }

    [Fact]
    public void Errors_are_made_by_the_callers_factory()
    {
        var section = new YamlSection(Root("a: x"), "d.yaml", "", ["a"], m => new CustomConfigException(m));
        var e = Assert.Throws<CustomConfigException>(() => section.Int("a", 0));
        Assert.Equal("d.yaml:1: a: 'x' is not an integer", e.Message);
    }

    private sealed class CustomConfigException(string message) : ConfigException(message);

    private enum Packing { Concat, BestFit }

    [Fact]
    public void Enums_are_written_in_snake_case_and_errors_list_the_values()
    {
        Assert.Equal(Packing.BestFit, Train().Enum("packing", Packing.Concat));
        Assert.Equal(Packing.Concat, Train().Enum("absent", Packing.Concat));
        var e = Assert.Throws<ConfigException>(() => Train(Yaml.Replace("best_fit", "BestFit")).Enum("packing", Packing.Concat));
        Assert.Equal("tiny.yaml:4: train.packing: 'BestFit' is not one of concat, best_fit", e.Message);
    }

    [Fact]
    public void Token_counts_may_allow_zero()
    {
        Assert.Equal(0, Train().Tokens("warmup", allowZero: true));
        var e = Assert.Throws<ConfigException>(() => Train().Tokens("warmup"));
        Assert.Equal("tiny.yaml:6: train.warmup: '0' is not a positive token count (e.g. 4096, 500M, 1.5B)", e.Message);
    }

    [Fact]
    public void Without_an_allowed_list_EnsureAllUsed_refuses_the_keys_nobody_read()
    {
        var open = new YamlSection(Root("a: 1\nb: 2\nc: 3"), "x.yaml", "step", allowed: null);
        Assert.Equal(1, open.Int("a", 0));
        Assert.Equal(2, open.Int("b", 0));
        var e = Assert.Throws<ConfigException>(open.EnsureAllUsed);
        Assert.Equal("x.yaml:3: unknown key 'step.c' (known in 'step': a, b)", e.Message);
        Assert.Equal(3, open.Int("c", 0));
        open.EnsureAllUsed();
    }

    [Fact]
    public void A_section_that_is_not_a_mapping_is_refused_and_an_empty_one_is_all_defaults()
    {
        var e = Assert.Throws<ConfigException>(() => Top("name: tiny\ntrain: 5").Section("train", ["seq_length"]));
        Assert.Equal("tiny.yaml:2: 'train' must be a mapping (keys: seq_length)", e.Message);
        Assert.Equal(9, Top("train:").Section("train", ["seq_length"]).Int("seq_length", 9));
    }
}
