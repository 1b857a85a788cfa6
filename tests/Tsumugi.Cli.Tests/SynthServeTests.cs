using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// Every shipped configs/synth-*.yaml against a real `tsumugi serve` (a tiny random model, so answers are gibberish
/// but real), then `tsumugi sft` on the SFT records and `tsumugi dpo` on the pairs: the recipes' output is what the
/// trainers take.
/// </summary>
[Collection("cli")]
public sealed class SynthServeTests(ITestOutputHelper log) : IDisposable
{
    static readonly string[] SftRecipes = ["regenerate", "self-instruct", "evol", "persona", "multi-turn", "translate"];
    readonly TempDirectory _dir = new("tsumugi-synth-serve");
    public void Dispose() => _dir.Dispose();

    /// <summary>Starts `tsumugi serve` on a free port as the configs expect it (model id tsumugi-demo, 8 decoded together); returns its …/v1 URL.</summary>
    static string Serve(string model, StringBuilder log, out Process server)
    {
        server = SynthTestKit.Start(log, "serve", "--model", model, "--port", "0", "--model-name", "tsumugi-demo", "--chat-format", "llama2", "--max-batch", "8");
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60) && !server.HasExited)
        {
            lock (log)
                if (Regex.Match(log.ToString(), @"Serving 'tsumugi-demo' at (http://\S+/v1)") is { Success: true } m) return m.Groups[1].Value;
            Thread.Sleep(50);
        }
        throw new InvalidOperationException($"tsumugi serve did not start:\n{log}");
    }

    static (int ExitCode, string Out, string Err) Synth(string config, string output, string url) =>
        CliRunner.Run("synth", "run", "--config", config, "--output", output, "--endpoint-url", $"local={url}");

    static List<JsonObject> Records(string dir) => SynthTestKit.ShardLines(dir, "records").Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    static void AssertTurns(JsonNode? turns, string where)
    {
        var list = Assert.IsType<JsonArray>(turns, exactMatch: false);
        Assert.NotEmpty(list);
        Assert.All(list, t => Assert.Contains((string)t!["role"]!, (string[])["system", "user", "assistant"]));
        Assert.All(list, t => Assert.False(string.IsNullOrEmpty((string?)t!["content"]), $"{where}: an empty turn"));
    }

    [Fact]
    public async Task EveryShippedRecipe_AgainstTsumugiServe_WritesRecordsThatSftAndDpoTrain()
    {
        var clock = Stopwatch.StartNew();
        var model = TinyModelDirectory.Write(_dir.File("model"), ["▁", "の", "は", "。", "、", "です", "ます", "Debian", "パッケージ"], seed: 3);
        var serveLog = new StringBuilder();
        var url = Serve(model, serveLog, out var server);
        log.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0} s  serving at {url}");
        try
        {
            foreach (var recipe in SftRecipes)
            {
                var output = _dir.File(recipe);
                var run = Synth(Path.Combine(RepoPaths.Configs, $"synth-{recipe}.yaml"), output, url);
                Assert.True(run.ExitCode == 0, $"{recipe}: {run.Err}\n{run.Out}");
                var records = Records(output);
                log.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0} s  {recipe}: {records.Count} records, {SynthTestKit.ShardLines(output, "rejected").Count} rejected");
                Assert.True(records.Count > 0, $"{recipe}: no records; rejections: {string.Join("\n", SynthTestKit.ShardLines(output, "rejected").Take(3))}\n{run.Out}");
                foreach (var r in records)
                {
                    AssertTurns(r["messages"], recipe);
                    Assert.Equal("assistant", (string)r["messages"]!.AsArray()[^1]!["role"]!);
                    Assert.Equal(("tsumugi-demo", "local"), ((string)r["meta"]!["model"]!, (string)r["meta"]!["endpoint"]!));
                }
            }

            // pairs as shipped: the tiny model is its own judge and never ends with [[N]], so no answer gets a score.
            var pairsAsShipped = Synth(Path.Combine(RepoPaths.Configs, "synth-pairs.yaml"), _dir.File("pairs-shipped"), url);
            Assert.True(pairsAsShipped.ExitCode == 0, pairsAsShipped.Err);
            Assert.Empty(Records(_dir.File("pairs-shipped")));
            Assert.All(SynthTestKit.ShardLines(_dir.File("pairs-shipped"), "rejected"),
                l => Assert.StartsWith("pairs: only 0 of 4 answers got a judge score", (string)JsonNode.Parse(l)!["reason"]!));

            // pairs with serve's answers and a judge that scores them (1–10 by the answer's text): real pairs for dpo.
            await using var judge = await FaultyChatServer.StartAsync(m => $"評価: [[{1 + m[^1].Content.Sum(c => c) % 10}]]");
            var shipped = File.ReadAllText(Path.Combine(RepoPaths.Configs, "synth-pairs.yaml"));
            var pairsInput = Path.Combine(RepoPaths.Configs, "dpo", "debian-questions-ja.jsonl");
            Assert.Contains("paths: [dpo/debian-questions-ja.jsonl]", shipped);
            Assert.Contains("    roles: [generate, judge]\n", shipped);
            File.WriteAllText(_dir.File("pairs.yaml"), shipped.Replace("paths: [dpo/debian-questions-ja.jsonl]", $"paths: [{pairsInput}]")
                .Replace("    roles: [generate, judge]\n", $"    roles: [generate]\n  - name: judge\n    url: {judge.BaseUrl}\n    model: {FaultyChatServer.ModelName}\n    roles: [judge]\n"));
            var pairs = Synth(_dir.File("pairs.yaml"), _dir.File("pairs"), url);
            Assert.True(pairs.ExitCode == 0, pairs.Err);
            var pairRecords = Records(_dir.File("pairs"));
            log.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0} s  pairs: {pairRecords.Count} records, {SynthTestKit.ShardLines(_dir.File("pairs"), "rejected").Count} rejected");
            Assert.NotEmpty(pairRecords);
            foreach (var p in pairRecords)
            {
                AssertTurns(p["prompt"], "pairs prompt");
                AssertTurns(p["chosen"], "pairs chosen");
                AssertTurns(p["rejected"], "pairs rejected");
                Assert.True((double)p["meta"]!["chosen_score"]! >= (double)p["meta"]!["rejected_score"]! + 1, p.ToJsonString());
                Assert.Equal("local", (string)p["meta"]!["endpoint"]!); // the answers are serve's; only the scores are the stub's
            }
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
            server.Dispose();
        }

        // The trainers take the records as they are: one step of SFT on every SFT recipe's records, one of DPO on the pairs.
        var sftData = string.Join(",", SftRecipes.Select(r => Path.Combine(_dir.File(r), "records")));
        var sft = CliRunner.Run("sft", "--config", Path.Combine(RepoPaths.Configs, "sft-tiny.yaml"), "--output", _dir.File("sft-run"),
            "--set", $"model.from={model}", "--set", $"data.paths=[{sftData}]", "--set", "data.format=auto", "--set", "data.validation_fraction=0",
            "--set", "train.max_steps=1", "--set", "sft.samples=0");
        Assert.True(sft.ExitCode == 0, sft.Err + sft.Out);
        Assert.True(File.Exists(Path.Combine(_dir.File("sft-run"), "model", "config.json")), sft.Out);
        log.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0} s  sft done");
        var dpo = CliRunner.Run("dpo", "--config", Path.Combine(RepoPaths.Configs, "dpo-tiny.yaml"), "--output", _dir.File("dpo-run"),
            "--set", $"model.from={model}", "--set", $"data.paths=[{Path.Combine(_dir.File("pairs"), "records")}]", "--set", "data.validation_fraction=0",
            "--set", "train.max_steps=1", "--set", "dpo.samples=0");
        Assert.True(dpo.ExitCode == 0, dpo.Err + dpo.Out);
        Assert.True(File.Exists(Path.Combine(_dir.File("dpo-run"), "model", "config.json")), dpo.Out);
        // No wall-clock assertion: ~80 s on 2 idle cores is mostly the tiny model's decoding, which a busy machine stretches.
        log.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0} s  dpo done");
    }
}
