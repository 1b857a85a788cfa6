using Tsumugi.Generation;

namespace Tsumugi.Generation.Tests;

public sealed class StopSequenceMatcherTests
{
    [Fact]
    public void StopStringSpanningDeltasIsCutAndNeverReleased()
    {
        var m = new StopSequenceMatcher(["###"]);
        Assert.Equal("answer", m.Push("answer#"));
        Assert.Equal("", m.Push("#"));
        Assert.Equal("", m.Push("#tail"));
        Assert.True(m.Stopped);
        Assert.Equal("", m.Push("more"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void HeldBackTextIsReleasedWhenItStopsMatching()
    {
        var m = new StopSequenceMatcher(["\n\n", "END"]);
        Assert.Equal("a", m.Push("a\n"));
        Assert.Equal("\nb ", m.Push("b EN")); // "\n" was not followed by "\n"; "EN" may still become "END"
        Assert.Equal("ENx", m.Push("x"));
        Assert.False(m.Stopped);
    }

    [Fact]
    public void EarliestStopWinsAndTheTextBeforeItIsKept()
    {
        var m = new StopSequenceMatcher(["cd", "b"]);
        Assert.Equal("a", m.Push("abcd"));
        Assert.True(m.Stopped);
        var none = new StopSequenceMatcher([]);
        Assert.Equal("xyz", none.Push("xyz"));
        Assert.Equal("", none.Flush());
        var end = new StopSequenceMatcher(["STOP"]);
        Assert.Equal("ok ", end.Push("ok ST"));
        Assert.Equal("ST", end.Flush()); // generation ended without the stop string: nothing is lost
    }
}
