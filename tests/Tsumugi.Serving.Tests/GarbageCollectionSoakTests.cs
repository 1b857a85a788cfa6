using System.Text;
using System.Text.Json;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

/// <summary>
/// Soak test for issue 16's whole-batch aborts ("Unknown scalar type" in RMSNorm / the residual adds). TorchSharp's
/// implicit <c>Scalar</c>s (<c>h.pow(2)</c>, <c>h + eps</c>, and the alpha = 1 that <c>a + b</c> creates inside
/// TorchSharp) are unreachable once their handle has been read, so the GC finalizer thread may free the native
/// c10::Scalar while the decode thread's native op still reads it. A server allocates constantly on its HTTP threads,
/// so collections (and finalizers) run in the middle of decode steps. Here one thread forces collections and as many
/// threads as cores allocate, so the decode thread is also preempted often: on the old code 14 and 17 of the 240 streams
/// failed in two runs ("Expected false to be true" in LlamaDecoderLayer's residual add); without the
/// allocating threads an idle machine did not reproduce it. The work is fixed (240 streams of 8–12 tokens from the
/// tiny model): 20–70 s on two otherwise quiet cores, most of it in the forced collections; minutes on a busy machine.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class GarbageCollectionSoakTests(TinyModelFixture fx) : IClassFixture<TinyModelFixture>
{
    const int Rounds = 30;
    const int Concurrent = 8;

    [Fact]
    public async Task ConcurrentStreams_UnderConstantGarbageCollection_NoRoundFails()
    {
        // Not disposed: the model is the fixture's.
        var served = new PretrainedModel(fx.Model, fx.Tokenizer, "tiny", ChatPromptFormat.ChatMl);
        await using var server = new OpenAiServer(served, new ServerOptions { Host = "127.0.0.1", Port = 0, MaxBatch = Concurrent, MaxQueue = Concurrent });
        await server.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var stop = new CancellationTokenSource();
        // One thread forces collections; as many threads as cores allocate garbage, so the decode thread is preempted
        // often (as on a busy server) and a collection can fall between an op reading a Scalar's handle and using it.
        var noise = new List<Thread>
        {
            new(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    GC.Collect(0, GCCollectionMode.Forced, blocking: true); // gen 0 holds the fresh Scalars, and is cheap to collect
                    GC.WaitForPendingFinalizers();
                }
            }) { IsBackground = true, Name = "soak-gc" },
        };
        for (int i = 0; i < Environment.ProcessorCount; i++)
        {
            noise.Add(new Thread(() =>
            {
                var keep = new object[64];
                for (long n = 0; !stop.IsCancellationRequested; n++) keep[n % keep.Length] = new byte[32];
            }) { IsBackground = true, Name = "soak-crowd" });
        }
        noise.ForEach(t => t.Start());

        var failures = new List<string>();
        try
        {
            for (int round = 0; round < Rounds; round++)
            {
                var results = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => StreamOnce(http, server.BaseUrl, round, i)));
                failures.AddRange(results.Where(r => r is not null).Select(r => $"round {round}: {r}"));
            }
        }
        finally
        {
            stop.Cancel();
            noise.ForEach(t => t.Join());
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Rounds * Concurrent} streams failed:\n" + string.Join("\n", failures.Take(10)));
    }

    /// <summary>One streaming completion; null when it ended with [DONE] and a finish reason, else what went wrong.</summary>
    static async Task<string?> StreamOnce(HttpClient http, string baseUrl, int round, int i)
    {
        string body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model"] = "tiny", ["prompt"] = $"{round}回目の{i}番：京都の寺は", ["max_tokens"] = 8 + i % 5, ["temperature"] = 0.7,
            ["seed"] = round * Concurrent + i, ["stream"] = true,
        });
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(baseUrl + "/v1/completions", content);
            string text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) return $"request {i}: HTTP {(int)response.StatusCode}: {text}";
            var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            if (events.Length < 2 || events[^1] != "data: [DONE]") return $"request {i}: the stream ended without [DONE]: {text}";
            var last = JsonDocument.Parse(events[^2]["data: ".Length..]).RootElement.GetProperty("choices")[0];
            return last.GetProperty("finish_reason").ValueKind == JsonValueKind.String ? null : $"request {i}: no finish_reason: {text}";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or JsonException)
        {
            return $"request {i}: {e.GetType().Name}: {e.Message}";
        }
    }
}

/// <summary>Runs alone: the forced collections would slow every test running beside them (and their timeouts).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    public const string Name = "solo";
}
