using System.Text;

namespace Tsumugi.Dashboard.Tests;

/// <summary>Min/max buckets: bounded output, ends kept, and a one-step spike survives any reduction — unit and over HTTP.</summary>
public sealed class DownsamplingTests
{
    [Theory]
    [InlineData(10, 1000)]
    [InlineData(1001, 1000)]
    [InlineData(12_345, 1000)]
    [InlineData(100_000, 999)]
    [InlineData(50, 4)]
    [InlineData(7, 5)]
    public void Keep_AtMostMaxPoints_AscendingWithBothEnds(int n, int max)
    {
        var y = Enumerable.Range(0, n).Select(i => Math.Sin(i * 0.01) + (i % 7) * 0.1).ToArray();
        var keep = Downsampler.Keep(y, max);
        Assert.InRange(keep.Length, Math.Min(n, max - 1), Math.Min(n, max)); // uses the budget, never exceeds it
        Assert.Equal(0, keep[0]);
        Assert.Equal(n - 1, keep[^1]);
        Assert.True(keep.Zip(keep.Skip(1)).All(p => p.First < p.Second), "indexes must be strictly ascending");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5_000)]
    [InlineData(99_998)]
    public void Keep_OneStepSpikeAndDip_Survive(int at)
    {
        var y = Enumerable.Repeat(2.0, 100_000).ToArray();
        y[at] = 50;
        y[at + 1] = -3; // a dip right after the spike, in the same bucket
        var keep = Downsampler.Keep(y, 100);
        Assert.Contains(at, keep);
        Assert.Contains(at + 1, keep);
    }

    [Fact]
    public async Task Metrics_TwelveThousandSteps_EverySeriesCut_SpikeKept_ChartPayloadUnderOneMegabyte()
    {
        using var runs = new RunsFolder();
        const int spikeStep = 7_777;
        runs.Run("long", 12_000, s => s == spikeStep ? 42.0 : 3 + 5.0 / Math.Sqrt(s));
        await using var dash = await TestDashboard.StartAsync(runs.Path);
        using var response = await dash.Http.GetAsync(dash.BaseUrl + "/api/runs/long/metrics?points=1000");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length < 1_000_000, $"the whole response (all {12} series) is {bytes.Length:N0} bytes; a chart must stay under 1 MB");
        var m = System.Text.Json.Nodes.JsonNode.Parse(Encoding.UTF8.GetString(bytes))!;
        Assert.Equal(12_000, (int)m["steps"]!);
        foreach (var (name, s) in m["series"]!.AsObject())
        {
            Assert.InRange(s!["x"]!.AsArray().Count, 1, 1000);
            Assert.Equal(s["x"]!.AsArray().Count, s["y"]!.AsArray().Count);
        }
        var loss = m["series"]!["loss"]!;
        var xs = loss["x"]!.AsArray().Select(x => (int)x!).ToList();
        Assert.Contains(spikeStep, xs);
        Assert.Equal(42.0, (double)loss["y"]![xs.IndexOf(spikeStep)]!, 3);
        Assert.Equal((1, 12_000), (xs[0], xs[^1]));
    }
}
