using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Training;

/// <summary>A Mixtral run logs its router's aux loss and each layer's expert shares (metrics.jsonl and TensorBoard).</summary>
public class MixtralMetricsTests
{
    [Fact]
    public void Run_MixtralModel_LogsRouterAuxLossAndExpertSharePerLayer()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        File.WriteAllText(temp.File("config.json"), """
            {"model_type": "mixtral", "vocab_size": 256, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "num_local_experts": 4, "num_experts_per_tok": 2,
             "max_position_embeddings": 128, "bos_token_id": 1, "eos_token_id": 2}
            """);
        var config = TinyRuns.Config(data, "model.preset=", "model.vocab_size=", $"model.config={temp.File("config.json")}", "train.max_steps=3",
            "schedule.warmup_steps=1", "checkpoint.interval=0", "eval.interval=0");
        var run = temp.File("run");
        using (var trainer = TinyRuns.Open(config, run)) Assert.True(trainer.Run().Completed);

        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(3, lines.Count);
        foreach (var line in lines)
        {
            var aux = (double)line["router_aux_loss"]!;
            Assert.InRange(aux, 1.0, 4.0); // E·Σ f·P: ≈ top_k (2) when balanced, at most E
            var layers = line["expert_share"]!.AsArray();
            Assert.Equal(2, layers.Count);
            foreach (var layer in layers)
            {
                var shares = layer!.AsArray().Select(v => (double)v!).ToArray();
                Assert.Equal(4, shares.Length);
                Assert.InRange(shares.Sum(), 0.999, 1.001);
            }
        }
        var events = Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents.*").Single();
        var bytes = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(events));
        Assert.Contains("moe/router_aux_loss", bytes);
        Assert.Contains("moe/expert_share/layer1/expert3", bytes);
    }
}
