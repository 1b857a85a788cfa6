using System.Text;
using System.Text.Json;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

/// <summary>
/// Continuous batching end to end: many concurrent streaming requests, each with its own prompt, length, stop string
/// and sampling settings, all complete and each gets exactly what the model gives that request alone.
/// </summary>
public sealed class ConcurrentStreamsTests(TinyModelFixture fx) : IClassFixture<TinyModelFixture>
{
    sealed record Case(string Prompt, int MaxTokens, double Temperature, long Seed, string? Stop);

    /// <summary>Every 4th request gets a stop string taken from the middle of what it generates unstopped, so it really cuts.</summary>
    static Case CaseFor(int i, TextGenerator reference)
    {
        var c = new Case($"{i}番目の質問：東京の{i % 7}つの名所は", 6 + i % 9, i % 3 == 0 ? 0.8 : 0, i, null);
        if (i % 4 != 1) return c;
        var free = reference.Generate(c.Prompt, OptionsFor(c)).Text;
        return free.Length < 2 ? c : c with { Stop = free.Substring(free.Length / 2, 1) };
    }

    static SamplingOptions OptionsFor(Case c) => new()
    {
        Temperature = c.Temperature, TopP = 0.9, MaxNewTokens = c.MaxTokens, Seed = c.Seed, Stop = c.Stop is null ? [] : [c.Stop],
    };

    static string Body(Case c) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["model"] = "tiny", ["prompt"] = c.Prompt, ["max_tokens"] = c.MaxTokens, ["temperature"] = c.Temperature, ["top_p"] = 0.9,
        ["seed"] = c.Seed, ["stop"] = c.Stop, ["stream"] = true, ["stream_options"] = new { include_usage = true },
    });

    [Fact]
    public async Task SixtyFourConcurrentStreamsAllCompleteWithTheirOwnOutputs()
    {
        const int requests = 64;
        var reference = new TextGenerator(fx.Model, fx.Tokenizer);
        var cases = Enumerable.Range(0, requests).Select(i => CaseFor(i, reference)).ToList();
        var expected = cases.Select(c => reference.Generate(c.Prompt, OptionsFor(c))).ToList();

        // Not disposed: the model is the fixture's.
        var served = new PretrainedModel(fx.Model, fx.Tokenizer, "tiny", ChatPromptFormat.ChatMl);
        await using var server = new OpenAiServer(served, new ServerOptions { Host = "127.0.0.1", Port = 0, MaxBatch = 8, MaxQueue = requests });
        await server.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        async Task<(string Text, string Finish, int Completion)> Stream(int i)
        {
            using var content = new StringContent(Body(cases[i]), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(server.BaseUrl + "/v1/completions", content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("data: [DONE]", events[^1]);
            var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
            var choices = chunks.SkipLast(1).Select(c => c.GetProperty("choices")[0]).ToList();
            var text = string.Concat(choices.Select(c => c.GetProperty("text").GetString()));
            return (text, choices[^1].GetProperty("finish_reason").GetString()!, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => Task.Run(() => Stream(i))));
        for (int i = 0; i < requests; i++)
        {
            Assert.True(expected[i].Text == answers[i].Text, $"request {i}: expected '{expected[i].Text}', got '{answers[i].Text}'");
            Assert.Equal(expected[i].FinishReasonText, answers[i].Finish);
            Assert.Equal(expected[i].CompletionTokens, answers[i].Completion);
        }
        Assert.Contains(expected, r => r.FinishReason == FinishReason.Stop); // the stop strings did cut some streams
    }
}
