using System.Text.Json.Nodes;
using Tsumugi.Generation;
using Tsumugi.Serving.Server;
using Tsumugi.Synthesis;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// The demo's synthetic-data stage: the SFT model is served over the OpenAI API in this process (as `tsumugi serve`
/// would, continuous batching of 8), and `tsumugi synth run` regenerates answers to the Debian questions through it —
/// the same path a team takes with a stronger model behind a hosted endpoint.
/// </summary>
static class DemoSynth
{
    public const string ModelName = "tsumugi-demo";

    public static (string Summary, IReadOnlyList<IReadOnlyList<string>> Samples) Run(string model, string config, string output, Action<string[]> cli)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var (served, _) = ChatModelLoader.Load(model, null, forced => PretrainedModel.Load(model, new PretrainedModelOptions { Name = ModelName, ChatFormat = forced }));
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
        var records = RecordStore.ReadShards(Path.Combine(output, "records")).ToList();
        var samples = records.Take(3).Select(r => (IReadOnlyList<string>)[Turn(r, "user"), Turn(r, "assistant")]).ToList();
        var rejectedBy = run["rejected_by"]!.AsObject().Select(p => $"{p.Key} {p.Value}");
        return ($"{(int)run["accepted"]!} SFT records, {(int)run["rejected"]!} rejected{(run["rejected_by"]!.AsObject().Count == 0 ? "" : $" ({string.Join(", ", rejectedBy)})")}; "
            + $"{(long)tally["requests"]!} requests, {(long)tally["completion_tokens"]!} completion tokens at {(double)run["completion_tokens_per_second"]!:N0} tokens/s "
            + $"with 8 in flight — records in {Path.GetFileName(output)}/records, ready for `tsumugi sft`", samples);
    }

    static string Turn(JsonObject record, string role) => (string)record["messages"]!.AsArray().First(m => (string?)m!["role"] == role)!["content"]!;
}
