using System.Text.Json.Nodes;
using Tsumugi.Datasets;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `tsumugi btm` end to end on a tiny seed and two domains of the shared corpus (Japanese, English), a few steps per
/// expert: a linear merge is the mean of the experts, a rerun skips the trained experts, the same experts make an
/// ensemble that `eval perplexity` and `generate` load and whose posterior follows the text's language; configs that
/// cannot run fail before training, naming file, line and field.
/// </summary>
[Collection("cli")]
public sealed class BtmCommandTests : IDisposable
{
    readonly TempDirectory _temp = new("tsumugi-btm");
    public void Dispose() => _temp.Dispose();

    string Sub(string name) => _temp.File(name);

    /// <summary>A seed with the byte-fallback test tokenizer and one dataset per language, tokenized with it.</summary>
    void Seed()
    {
        var seed = TinyModelDirectory.Write(Sub("seed"), TestTokenizers.Words, seed: 1, contextLength: 256);
        var tokenizer = TokenizerDirectory.LoadForModel(seed);
        foreach (var language in new[] { "ja", "en" })
        {
            Directory.CreateDirectory(Sub("data"));
            var options = new IndexedDatasetWriterOptions { VocabularySize = tokenizer.VocabSize, EosId = tokenizer.EosId, Domain = language };
            using var writer = new IndexedDatasetWriter(Path.Combine(Sub("data"), language), options);
            foreach (var line in File.ReadAllLines(CorpusSample.Write(language, 12_000, Sub($"{language}.txt"))))
                writer.Add(tokenizer.Encode(line).ToArray());
            writer.Complete();
        }
    }

    string Config(string combine)
    {
        File.WriteAllText(Sub("btm.yaml"), $$"""
            seed: 5
            model: {from: seed}
            train:
              data: {validation_fraction: 0.1}
              train: {seq_length: 64, micro_batch_size: 4, global_batch_tokens: 256, max_steps: 12, threads: 2}
              optimizer: {lr: 0.01, min_lr: 0.001}
              schedule: {warmup_steps: 2}
              checkpoint: {interval: 12}
              eval: {interval: 12, max_rows: 4}
              log: {interval: 6, peak_flops: 1.0e11}
            experts:
              - name: ja
                datasets: [data/ja]
              - name: en
                datasets: [data/en]
                lr: 0.008
            combine:
            {{combine}}
            """);
        return Sub("btm.yaml");
    }

    [Fact]
    public void BtmTrainsExpertsMergesThemSkipsThemOnRerunAndBuildsAnEnsemble()
    {
        Seed();
        var merge = SpectreOutput.Run("btm", "--config", Config("  method: merge\n  merge_method: linear"), "--output", Sub("run"));
        Assert.True(merge.ExitCode == 0, merge.Err + merge.Out);
        Assert.Contains("expert ja: training on ja (ja)", merge.Out);
        Assert.Contains("val loss ja", merge.Out);
        var expertModel = Sub("run/experts/ja/model/model.safetensors");
        var trainedAt = File.GetLastWriteTimeUtc(expertModel);

        // Linear with normalize (mergekit's default): the merged weights are the experts' mean.
        using (var ja = HfModelDirectory.Load(Sub("run/experts/ja/model")))
        using (var en = HfModelDirectory.Load(Sub("run/experts/en/model")))
        using (var merged = HfModelDirectory.Load(Sub("run/model")))
        {
            var name = "model.layers.0.mlp.down_proj.weight";
            var (a, b, m) = (ja.state_dict()[name], en.state_dict()[name], merged.state_dict()[name]);
            Assert.False(a.allclose(b), "the two experts should have trained apart");
            Assert.True(m.allclose((a + b) / 2, rtol: 1e-5, atol: 1e-6), "linear merge of two experts is their mean");
        }
        Assert.Contains("merge_method: linear", File.ReadAllText(Sub("run/merge.yaml")));

        // Rerun with the ensemble: both experts are already trained and are not touched.
        var ensemble = SpectreOutput.Run("btm", "--config", Config($"  method: ensemble\n  prior_data: [{Sub("ja.txt")}, {Sub("en.txt")}]\n  prior_ema_rate: 0.5"), "--output", Sub("run"));
        Assert.True(ensemble.ExitCode == 0, ensemble.Err + ensemble.Out);
        Assert.True(ensemble.Out.Contains("expert ja: already trained", StringComparison.Ordinal), ensemble.Out);
        Assert.Contains("expert en: already trained", ensemble.Out);
        Assert.Equal(trainedAt, File.GetLastWriteTimeUtc(expertModel));
        var manifest = JsonNode.Parse(File.ReadAllText(Sub("run/ensemble/ensemble.json")))!;
        Assert.Equal(["ja", "en"], manifest["experts"]!.AsArray().Select(e => (string)e!["name"]!));
        Assert.Equal(1.0, manifest["prior"]!.AsArray().Sum(p => (double)p!), 9);
        Assert.Equal(2, (int)manifest["top_k"]!);

        // Perplexity through the ensemble: on Japanese text the mixture leans on the Japanese expert, on English on the English one.
        foreach (var (language, text) in new[] { ("ja", Sub("ja.txt")), ("en", Sub("en.txt")) })
        {
            var json = Sub($"ppl-{language}.json");
            var eval = SpectreOutput.Run("eval", "perplexity", "--model", Sub("run/ensemble"), "--input", text, "--domain", language, "--split", "paragraph",
                "--context", "64", "--output", json);
            Assert.True(eval.ExitCode == 0, eval.Err + eval.Out);
            Assert.Contains("mean expert posterior", eval.Out);
            var metrics = JsonNode.Parse(File.ReadAllText(json))!["metrics"]!;
            var own = (double)metrics[$"posterior/{language}/{language}"]!;
            Assert.True(own > 0.8, $"on {language} text the {language} expert's mean posterior is {own:0.###}");
        }

        var generated = CliRunner.Run("generate", "--model", Sub("run/ensemble"), "--prompt", "東京は", "--max-tokens", "6", "--temperature", "0");
        Assert.True(generated.ExitCode == 0, generated.Err);
        Assert.Contains("[posterior at the last token: ja=", generated.Err);
        Assert.Equal(generated.Out, CliRunner.Run("generate", "--model", Sub("run/ensemble"), "--prompt", "東京は", "--max-tokens", "6", "--temperature", "0").Out);

        // BTX from the same experts: one Mixtral whose experts are the two MLPs and whose other weights are their mean.
        var btx = SpectreOutput.Run("btm", "--config", Config("  method: btx\n  top_k: 1"), "--output", Sub("run"));
        Assert.True(btx.ExitCode == 0, btx.Err + btx.Out);
        Assert.Contains("expert ja: already trained", btx.Out);
        var moe = Tsumugi.Modeling.LlamaConfig.Load(Sub("run/model/config.json"));
        Assert.Equal((true, 2, 1), (moe.IsMoE, moe.NumLocalExperts, moe.NumExpertsPerTok));
        var jaExpert = Tsumugi.Modeling.Checkpoints.StateDictIO.ReadAll(Sub("run/experts/ja/model"), TorchSharp.torch.ScalarType.Float32);
        var enExpert = Tsumugi.Modeling.Checkpoints.StateDictIO.ReadAll(Sub("run/experts/en/model"), TorchSharp.torch.ScalarType.Float32);
        var mixed = Tsumugi.Modeling.Checkpoints.StateDictIO.ReadAll(Sub("run/model"), TorchSharp.torch.ScalarType.Float32);
        const string q = "model.layers.0.self_attn.q_proj.weight", w1 = "model.layers.0.block_sparse_moe.experts.1.w1.weight";
        Assert.True(mixed[q].allclose((jaExpert[q] + enExpert[q]) / 2, rtol: 1e-5, atol: 1e-6));
        Assert.True(mixed[w1].eq(enExpert["model.layers.0.mlp.gate_proj.weight"]).all().item<bool>()); // expert 1 = the second expert's MLP
        foreach (var t in jaExpert.Values.Concat(enExpert.Values).Concat(mixed.Values)) t.Dispose();

        // An ensemble whose experts do not share a tokenizer is refused, naming the file and the expert.
        TinyModelDirectory.Write(Sub("stranger"), ["▁", "x", "y"], seed: 1);
        Directory.CreateDirectory(Sub("mixed"));
        File.WriteAllText(Sub("mixed/ensemble.json"), $$"""{"experts": [{"name": "ja", "path": "{{Sub("run/experts/ja/model")}}"}, {"name": "stranger", "path": "../stranger"}], "top_k": 2}""");
        var mismatched = CliRunner.Run("eval", "perplexity", "--model", Sub("mixed"), "--input", Sub("ja.txt"));
        Assert.Equal(1, mismatched.ExitCode);
        Assert.Contains($"{Sub("mixed/ensemble.json")}: expert 'stranger'", mismatched.Err);
        Assert.Contains("share the seed model's tokenizer", mismatched.Err);
    }

    [Theory]
    [InlineData("  method: merge\n  merge_method: linear\n  top_k: 2", "btm.yaml:20: combine.top_k: applies to method: ensemble or btx, not merge")]
    [InlineData("  method: merge\n  merge_method: averaging", "btm.yaml:19: combine.merge_method: 'averaging' is not a merge method (available: linear")]
    [InlineData("  method: stack", "btm.yaml:18: combine.method: 'stack' is not one of merge, ensemble, btx")]
    public void ACombineThatCannotRunFailsBeforeAnyExpertTrains(string combine, string expected)
    {
        Seed();
        var result = SpectreOutput.Run("btm", "--config", Config(combine), "--output", Sub("run"));
        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Err.Contains(expected, StringComparison.Ordinal), result.Err);
        Assert.False(Directory.Exists(Sub("run/experts")));
    }
}
