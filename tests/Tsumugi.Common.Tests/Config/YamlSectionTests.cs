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
    public void ReadsTypedValuesAndFallsBackToDefaults()
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
    public void ErrorsNameTheFileTheLineAndTheFullKeyPath()
    {
        var e = Assert.Throws<ConfigException>(() => Train(Yaml.Replace("seq_length: 512", "seq_length: abc")).Int("seq_length", 0));
        Assert.Equal("tiny.yaml:3: train.seq_length: 'abc' is not an integer", e.Message);
        e = Assert.Throws<ConfigException>(() => Train().Int("seq_length", 0, max: 256));
        Assert.StartsWith("tiny.yaml:3: train.seq_length: 512 is outside", e.Message);
        Assert.Equal("tiny.yaml:6: train.warmup: must be set with a schedule", Train().Error("warmup", "must be set with a schedule").Message);
    }

    [Fact]
    public void UnknownKeysAreRefusedNamingTheKeyPathAndWhatIsAllowed()
    {
        var e = Assert.Throws<ConfigException>(() => Train(Yaml + "\n  micro_batch: 4"));
        Assert.Equal("tiny.yaml:8: unknown key 'train.micro_batch' (allowed in 'train': seq_length, packing, tokens, warmup, enabled)", e.Message);
        e = Assert.Throws<ConfigException>(() => Top(Yaml + "\nmodel: 7b"));
        Assert.StartsWith("tiny.yaml:8: unknown key 'model' (allowed in 'the top level':", e.Message);
    }

    [Fact]
    public void ErrorsAreMadeByTheCallersFactory()
    {
        var section = new YamlSection(Root("a: x"), "d.yaml", "", ["a"], m => new CustomConfigException(m));
        var e = Assert.Throws<CustomConfigException>(() => section.Int("a", 0));
        Assert.Equal("d.yaml:1: a: 'x' is not an integer", e.Message);
    }

    private sealed class CustomConfigException(string message) : ConfigException(message);

    private enum Packing { Concat, BestFit }

    [Fact]
    public void EnumsAreWrittenInSnakeCaseAndErrorsListTheValues()
    {
        Assert.Equal(Packing.BestFit, Train().Enum("packing", Packing.Concat));
        Assert.Equal(Packing.Concat, Train().Enum("absent", Packing.Concat));
        var e = Assert.Throws<ConfigException>(() => Train(Yaml.Replace("best_fit", "BestFit")).Enum("packing", Packing.Concat));
        Assert.Equal("tiny.yaml:4: train.packing: 'BestFit' is not one of concat, best_fit", e.Message);
    }

    [Fact]
    public void TokenCountsMayAllowZero()
    {
        Assert.Equal(0, Train().Tokens("warmup", allowZero: true));
        var e = Assert.Throws<ConfigException>(() => Train().Tokens("warmup"));
        Assert.Equal("tiny.yaml:6: train.warmup: '0' is not a positive token count (e.g. 4096, 500M, 1.5B)", e.Message);
    }

    [Fact]
    public void WithoutAnAllowedListEnsureAllUsedRefusesTheKeysNobodyRead()
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
    public void SectionThatIsNotAMappingIsRefusedAndAnEmptyOneIsAllDefaults()
    {
        var e = Assert.Throws<ConfigException>(() => Top("name: tiny\ntrain: 5").Section("train", ["seq_length"]));
        Assert.Equal("tiny.yaml:2: 'train' must be a mapping (keys: seq_length)", e.Message);
        Assert.Equal(9, Top("train:").Section("train", ["seq_length"]).Int("seq_length", 9));
    }
}
