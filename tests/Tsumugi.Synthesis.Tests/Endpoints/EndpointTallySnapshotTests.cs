using System.Text.Json;
using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis.Tests.Endpoints;

public sealed class EndpointTallySnapshotTests
{
    static EndpointTallySnapshot Counted(string kind, int failures, long promptTokens)
    {
        var tally = new EndpointTally(new EndpointSettings { Name = "e", Url = "http://x/v1", Model = "m", PromptPrice = 2, CompletionPrice = 10 });
        for (int i = 0; i <= failures; i++) tally.Attempt(retry: i > 0);
        for (int i = 0; i < failures; i++) tally.AttemptFailed(kind);
        tally.Succeeded(promptTokens, 100, TimeSpan.FromSeconds(1.5));
        return tally.Snapshot();
    }

    [Fact]
    public void SnapshotsRoundTripAsSnakeCaseJsonAndAddUp()
    {
        var first = Counted("http_429", 2, 1000);
        Assert.Equal((3L, 1L, 2L, 2L), (first.Requests, first.Succeeded, first.Retries, first.FailuresOf("http_429")));
        Assert.Equal((1000 * 2 + 100 * 10) / 1e6, first.Cost, 1e-15);

        var json = JsonSerializer.Serialize(first);
        foreach (var key in new[] { "\"requests\"", "\"prompt_tokens\"", "\"completion_tokens\"", "\"failures\":{\"http_429\":2}", "\"seconds\":1.5" })
            Assert.Contains(key, json);
        var back = JsonSerializer.Deserialize<EndpointTallySnapshot>(json)!;
        Assert.Equal(json, JsonSerializer.Serialize(back));

        var sum = back.Add(Counted("timeout", 1, 10));
        Assert.Equal((5L, 2L, 3L, 1010L, 200L, 3.0), (sum.Requests, sum.Succeeded, sum.Retries, sum.PromptTokens, sum.CompletionTokens, sum.Seconds));
        Assert.Equal((2L, 1L), (sum.FailuresOf("http_429"), sum.FailuresOf("timeout")));
        Assert.Equal(first.Cost + (10 * 2 + 100 * 10) / 1e6, sum.Cost, 1e-15);
        Assert.Equal(sum.Requests, EndpointTallySnapshot.Empty.Add(sum).Requests);
    }
}
