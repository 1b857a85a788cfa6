using System.Text.Json.Nodes;
using Tsumugi.Cli.Commands;
using Tsumugi.Generation;
using Tsumugi.Serving.Server;
using Tsumugi.Synthesis;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Cli.Stages;

/// <summary>
/// A synth stage with <c>serve:</c> (the demo's): the model is served over the OpenAI API in this process (as `tsumugi
/// serve` would, continuous batching of 8) as endpoint <c>local</c>, and `tsumugi synth run` goes through it — the same
/// path a team takes with a stronger model behind a hosted endpoint.
/// </summary>
static class ServedSynth
{
    public const string ModelName = "tsumugi-demo";

    public static string Run(string model, string config, string output, Action<string[]> cli)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var (served, _) = ChatModelLoader.Load(model, null, forced => PretrainedModel.Load(model, new PretrainedModelOptions
        {
            Name = ModelName, ChatFormat = forced, Engine = Generation.Engine.DecodeEngineKind.Auto, BatchedDecoding = true,
        }));
        using (served)
        {
            var server = new OpenAiServer(served, new ServerOptions { Host = "127.0.0.1", Port = 0, MaxBatch = 8 });
            try
            {
                server.StartAsync().GetAwaiter().GetResult();
                cli(["synth", "run", "--config", config, "--output", output, "--endpoint-url", $"local={server.BaseUrl}/v1"]);
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(output, SynthRunner.StatsFile)))!["runs"]!.AsArray()[^1]!;
        var tally = run["endpoints"]!["local"]!;
        var rejectedBy = run["rejected_by"]!.AsObject().Select(p => $"{p.Key} {p.Value}");
        return $"{(int)run["accepted"]!} SFT records, {(int)run["rejected"]!} rejected{(run["rejected_by"]!.AsObject().Count == 0 ? "" : $" ({string.Join(", ", rejectedBy)})")}; "
            + $"{(long)tally["requests"]!} requests, {(long)tally["completion_tokens"]!} completion tokens at {(double)run["completion_tokens_per_second"]!:N0} tokens/s "
            + $"with 8 in flight — records in {Path.GetFileName(output)}/records, ready for `tsumugi sft`";
    }

    /// <summary>The first <paramref name="count"/> synthesized conversations of a synth output: (prompt, answer).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Samples(string output, int count) =>
        RecordStore.ReadShards(Path.Combine(output, "records")).Take(count).Select(r => (IReadOnlyList<string>)[Turn(r, "user"), Turn(r, "assistant")]).ToList();

    static string Turn(JsonObject record, string role) => (string)record["messages"]!.AsArray().First(m => (string?)m!["role"] == role)!["content"]!;
}
