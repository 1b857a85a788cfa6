using Tsumugi.Training.Btm;
using Tsumugi.Training.Config;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Btm;

/// <summary>
/// BTM configs: a valid one parses (datasets by name, domain and path; per-expert overrides deep-merged into each
/// expert's training config), and every malformed one fails with file:line, the key and what to do.
/// </summary>
public sealed class BtmConfigTests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    const string Valid = """
        seed: 7
        model:
          from: seed
        datasets:
          ja_a: {path: data/ja_a, domain: ja}
          ja_b: {path: data/ja_b, domain: ja}
        train:
          train: {seq_length: 64, micro_batch_size: 4, global_batch_tokens: 512, max_steps: 10}
          optimizer: {lr: 0.003, weight_decay: 0.1}
        experts:
          - name: ja
            datasets: [ja]
          - name: counting
            datasets: data/counting
            steps: 4
            lr: 0.001
            train:
              optimizer: {weight_decay: 0.0}
        combine:
          method: merge
          merge_method: task_arithmetic
          parameters: {lambda: 0.5}
        """;

    BtmConfig Parse(string yaml) => BtmConfig.Parse(yaml, _temp.File("btm.yaml"), _temp.Path);

    string Error(string yaml) => Assert.Throws<TrainConfigException>(() => Parse(yaml)).Message;

    [Fact]
    public void AValidConfigResolvesDatasetsByNameDomainAndPath()
    {
        SyntheticDatasets.Counting(_temp.File("data"));
        var c = Parse(Valid);
        Assert.Equal(7, c.Seed);
        Assert.Equal(["ja_a", "ja_b"], c.Experts[0].Datasets.Select(d => d.Name)); // the domain picks both
        Assert.Equal(_temp.File("data/counting"), c.Experts[1].Datasets.Single().Path);
        Assert.Equal("ja", c.Experts[1].Datasets.Single().Domain); // from the dataset's manifest.json
        Assert.Equal((4L, 0.001), (c.Experts[1].Steps!.Value, c.Experts[1].LearningRate!.Value));
        Assert.Equal((BtmCombineMethod.Merge, "task_arithmetic"), (c.Combine.Method, c.Combine.MergeMethod));
    }

    [Fact]
    public void TheShippedExampleParses()
    {
        var c = BtmConfig.Load(Path.Combine(RepoPaths.Configs, "btm-tiny.yaml"));
        Assert.Equal(["ja", "en"], c.Experts.Select(e => e.Name));
        Assert.Equal(["ja_faq"], c.Experts[0].Datasets.Select(d => d.Name)); // picked by its domain
        Assert.Equal(BtmCombineMethod.Ensemble, c.Combine.Method);
        Assert.All(c.Combine.PriorData, p => Assert.True(File.Exists(p), $"{p}: prior_data of configs/btm-tiny.yaml must name shared corpus files"));
    }

    [Fact]
    public void EachExpertTrainsFromTheSeedWithItsOverridesOverTheSharedSection()
    {
        var data = SyntheticDatasets.Counting(_temp.File("data"));
        var seed = TinySeed(_temp.File("seed"));
        var run = BtmRun.Prepare(Parse(Valid.Replace("datasets: [ja]", $"datasets: [{data}]")), _temp.File("out"), TextWriter.Null);
        var (ja, counting) = (run.Experts[0].TrainConfig, run.Experts[1].TrainConfig);
        Assert.Equal(seed, counting.Model.From);
        Assert.Equal((10L, 0.003, 0.1), (ja.Train.MaxSteps!.Value, ja.Optimizer.Lr, ja.Optimizer.WeightDecay));
        Assert.Equal((4L, 0.001, 0.0), (counting.Train.MaxSteps!.Value, counting.Optimizer.Lr, counting.Optimizer.WeightDecay));
        Assert.Equal(7, counting.Seed);
        Assert.Contains("tokens: 2048", counting.EffectiveYaml); // 4 steps × 512 tokens: the one stage's budget
        Assert.Equal(_temp.File("out/experts/counting"), run.Experts[1].RunDirectory);
        Assert.False(run.Experts[1].IsTrained);
    }

    [Theory]
    [InlineData("seed: 7\n", "seed: 7\nflavour: x\n", "btm.yaml:2: unknown key 'flavour'")]
    [InlineData("  optimizer: {lr: 0.003, weight_decay: 0.1}", "  optimizer: {lr: 0.003, weight_decay: 0.1}\n  model: {preset: tiny}", "btm.yaml:10: train.model: the experts start from the seed")]
    [InlineData("    datasets: [ja]\n", "    steps: 3\n", "btm.yaml:11: experts[0] ('ja').datasets: missing or empty")]
    [InlineData("datasets: [ja]", "datasets: [nope]", "btm.yaml:12: experts[0] ('ja').datasets: 'nope' is not a dataset name or domain (known names: ja_a, ja_b; domains: ja)")]
    [InlineData("  method: merge", "  method: average", "btm.yaml:20: combine.method: 'average' is not one of merge, ensemble, btx")]
    [InlineData("  parameters: {lambda: 0.5}", "  parameters: {lambda: 0.5}\n  top_k: 2", "btm.yaml:23: combine.top_k: applies to method: ensemble or btx, not merge")]
    [InlineData("  - name: counting", "  - name: ja", "btm.yaml:13: experts[1].name: 'ja' is already the name of another expert")]
    [InlineData("    lr: 0.001", "    learning_rate: 0.001", "btm.yaml:16: unknown key 'experts[1].learning_rate'")]
    public void ABadConfigNamesTheFileLineAndField(string from, string to, string expected)
    {
        SyntheticDatasets.Counting(_temp.File("data"));
        Assert.NotEqual(Valid, Valid.Replace(from, to));
        var message = Error(Valid.Replace(from, to));
        Assert.True(message.Contains(expected, StringComparison.Ordinal), message);
    }

    [Fact]
    public void ABadTrainingKeyIsReportedAtItsLineForTheExpert()
    {
        SyntheticDatasets.Counting(_temp.File("data"));
        TinySeed(_temp.File("seed"));
        var c = Parse(Valid.Replace("optimizer: {weight_decay: 0.0}", "optimizer: {weight_dacay: 0.0}").Replace("datasets: [ja]", "datasets: [data]"));
        var e = Assert.Throws<TrainConfigException>(() => BtmRun.Prepare(c, _temp.File("out"), TextWriter.Null));
        Assert.True(e.Message.Contains("btm.yaml:18: unknown key 'optimizer.weight_dacay'", StringComparison.Ordinal), e.Message);
        Assert.Contains("expert 'counting'", e.Message);
    }

    [Fact]
    public void AnExpertWithoutAStepBudgetIsRefused()
    {
        SyntheticDatasets.Counting(_temp.File("data"));
        TinySeed(_temp.File("seed"));
        var c = Parse(Valid.Replace(", max_steps: 10}", "}").Replace("datasets: [ja]", "datasets: [data]"));
        var e = Assert.Throws<TrainConfigException>(() => BtmRun.Prepare(c, _temp.File("out"), TextWriter.Null));
        Assert.Contains("btm.yaml:11: expert 'ja' has no step budget: set experts[].steps or train.train.max_steps", e.Message);
    }

    static string TinySeed(string dir)
    {
        var config = Modeling.ModelPresets.Get("tiny");
        config.VocabSize = SyntheticDatasets.Vocabulary;
        using var model = new Modeling.LlamaForCausalLM(config);
        model.InitializeWeights(1);
        Modeling.HfModelDirectory.Save(model, dir);
        return dir;
    }
}
