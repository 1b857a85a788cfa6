using Tsumugi.Common.Config;

namespace Tsumugi.Common.Tests.Config;

public class ConfigKeysTests
{
    private sealed record Settings
    {
        [NotConfigKey]
        public string Source { get; init; } = "";

        public int SeqLength { get; init; } = 512;
        public double MaxEpochs { get; set; } = 1;

        [ConfigKey("lr")]
        public double LearningRate { get; init; }

        /// <summary>Derived: no setter, so not a key.</summary>
        public int Twice => SeqLength * 2;

        public static IReadOnlyList<string> StaticProperty => [];
    }

    [Fact]
    public void KeysAreTheSnakeCaseSettablePropertiesInDeclarationOrderWithOverridesAndExclusions() =>
        Assert.Equal(["seq_length", "max_epochs", "lr"], ConfigKeys.Of<Settings>());

    [Fact]
    public void TypedAndUntypedFormsAgree() => Assert.Same(ConfigKeys.Of<Settings>(), ConfigKeys.Of(typeof(Settings)));
}
