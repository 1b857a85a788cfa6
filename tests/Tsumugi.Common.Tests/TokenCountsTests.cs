namespace Tsumugi.Common.Tests;

public class TokenCountsTests
{
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("100_000", 100_000L)]
    [InlineData("12k", 12_000L)]
    [InlineData("500M", 500_000_000L)]
    [InlineData("1.5B", 1_500_000_000L)]
    [InlineData("1.5G", 1_500_000_000L)]
    [InlineData(" 2T ", 2_000_000_000_000L)]
    [InlineData("0", 0L)]
    public void ParsesIntegersAndSiSuffixes(string text, long expected)
    {
        Assert.True(TokenCounts.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("1.5")]
    [InlineData("B")]
    [InlineData("-1M")]
    [InlineData("1e30T")]
    [InlineData("NaNM")]
    public void RefusesWhatIsNotACount(string text) => Assert.False(TokenCounts.TryParse(text, out _));

    [Theory]
    [InlineData(1_500_000_000d, "1.5B")]
    [InlineData(300_000_000d, "300M")]
    [InlineData(12_300d, "12.3K")]
    [InlineData(2e12, "2T")]
    [InlineData(999d, "999")]
    public void FormatsTheShortHumanForm(double tokens, string expected) => Assert.Equal(expected, TokenCounts.Format(tokens));
}
