using Tsumugi.Generation.Ensemble;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Tests.Ensemble;

/// <summary>
/// Ensemble directories and mixture generation on tiny random models: a one-expert ensemble (and two copies of one
/// model) generates what the model generates, the mixture is a distribution, the posterior follows the context, and
/// experts with different tokenizers are refused.
/// </summary>
public sealed class ExpertEnsembleTests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    static readonly SamplingOptions Greedy = new() { MaxNewTokens = 16, Temperature = 0 };
    static readonly SamplingOptions Sampled = new() { MaxNewTokens = 16, Temperature = 0.9, TopK = 50, TopP = 0.95, Seed = 5 };

    string Model(string name, long seed, IEnumerable<string>? words = null) => TinyModelDirectory.Write(_temp.File(name), words ?? TestTokenizers.Words, seed);

    string Ensemble(string name, params string[] experts)
    {
        var dir = _temp.File(name);
        new EnsembleManifest
        {
            Experts = experts.Select((e, i) => new EnsembleExpert($"e{i}", Path.GetRelativePath(dir, e))).ToList(),
            TopK = experts.Length,
        }.Write(dir);
        return dir;
    }

    [Fact]
    public void AnEnsembleOfOneExpertGeneratesWhatTheExpertGenerates()
    {
        var expert = Model("a", seed: 3);
        using var single = PretrainedModel.Load(expert);
        using var ensemble = ExpertEnsemble.Load(Ensemble("ens", expert));
        foreach (var options in new[] { Greedy, Sampled })
        {
            var alone = single.CreateGenerator().Generate("東京は", options);
            var mixed = ensemble.CreateGenerator().Generate("東京は", options);
            Assert.Equal(alone.TokenIds, mixed.TokenIds);
            Assert.Equal(alone.Text, mixed.Text);
        }
    }

    [Fact]
    public void TwoIdenticalExpertsGenerateWhatTheModelGenerates()
    {
        var expert = Model("a", seed: 4);
        using var single = PretrainedModel.Load(expert);
        using var ensemble = ExpertEnsemble.Load(Ensemble("ens", expert, expert));
        var generator = ensemble.CreateGenerator();
        Assert.Equal(single.CreateGenerator().Generate("ab ab", Greedy).TokenIds, generator.Generate("ab ab", Greedy).TokenIds);
        // Identical experts have identical likelihoods: the posterior never leaves the uniform prior.
        Assert.All(generator.Posteriors, p => Assert.Equal(0.5, p[0], 12));
    }

    [Fact]
    public void TheMixtureIsAProbabilityDistribution()
    {
        using var a = PretrainedModel.Load(Model("a", seed: 1));
        using var b = PretrainedModel.Load(Model("b", seed: 2));
        var ids = a.Encode("東京は ab");
        var rows = new[] { a, b }.Select(m => NextLogProbs(m.Model, ids)).ToArray();
        foreach (var posterior in new[] { new[] { 0.5, 0.5 }, [0.9, 0.1], [0.0, 1.0] })
        {
            double total = 0;
            for (int v = 0; v < rows[0].Length; v++) total += Math.Exp(BtmPosterior.MixtureLogProb(posterior, [rows[0][v], rows[1][v]]));
            Assert.Equal(1.0, total, 6);
        }
    }

    [Fact]
    public void ThePosteriorMovesToTheExpertWhoseTextTheContextIs()
    {
        // Two experts of the same seed, each trained for a few steps on its own "domain": ASCII vs Japanese text.
        string[] domains = ["ab ab a b ab ab the a b", "東京は。東京は。東京は。"];
        var dirs = domains.Select((text, j) => Trained(Model($"e{j}", seed: 1), text)).ToArray();
        using var ensemble = ExpertEnsemble.Load(Ensemble("ens", dirs));
        var generator = ensemble.CreateGenerator();
        for (int j = 0; j < 2; j++)
        {
            generator.SampleTokens(generator.EncodePrompt(domains[j]), Greedy with { MaxNewTokens = 1 }).ToList();
            Assert.True(generator.Posteriors[0][j] > 0.99, $"after domain {j}'s text expert {j}'s posterior is {generator.Posteriors[0][j]:0.###}");
        }
        // A context of neither domain's text alone (BOS): the prior, uniform.
        generator.SampleTokens(generator.EncodePrompt(""), Greedy with { MaxNewTokens = 1 }).ToList();
        Assert.Equal([0.5, 0.5], generator.Posteriors[0]);
    }

    /// <summary>Fits the model in <paramref name="dir"/> to <paramref name="text"/> with a few Adam steps and saves it back.</summary>
    static string Trained(string dir, string text)
    {
        using var pretrained = PretrainedModel.Load(dir);
        var model = pretrained.Model;
        var ids = pretrained.Encode(text);
        using var optimizer = TorchSharp.torch.optim.Adam(model.parameters(), lr: 0.01);
        model.train();
        for (int step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var input = tensor(ids, [1, ids.Length]);
            model.Forward(input, labels: input).Loss!.backward();
            optimizer.step();
        }
        model.eval();
        HfModelDirectory.Save(model, dir);
        return dir;
    }

    [Fact]
    public void ExpertsWithDifferentTokenizersAreRefusedBeforeTheirWeightsLoad()
    {
        var a = Model("a", seed: 1);
        var b = Model("b", seed: 1, words: ["▁", "x", "y", "xy"]);
        var dir = Ensemble("ens", a, b);
        var e = Assert.Throws<InvalidDataException>(() => ExpertEnsemble.Load(dir));
        Assert.Contains(Path.Combine(dir, "ensemble.json"), e.Message);
        Assert.Contains("expert 'e1'", e.Message);
        Assert.Contains("share the seed model's tokenizer", e.Message);
    }

    [Fact]
    public void ABadManifestNamesTheFileAndTheField()
    {
        var expert = Model("a", seed: 1);
        var dir = Ensemble("ens", expert, expert);
        var file = Path.Combine(dir, "ensemble.json");
        var text = File.ReadAllText(file);
        File.WriteAllText(file, text.Replace("\"top_k\": 2", "\"top_k\": 3"));
        Assert.Contains($"{file}: top_k: 3 is outside 1..2", Assert.Throws<InvalidDataException>(() => EnsembleManifest.Read(dir)).Message);
        File.WriteAllText(file, text.Replace("\"prior\": null", "\"prior\": [1.0]"));
        Assert.Contains($"{file}: prior: 1 values for 2 experts", Assert.Throws<InvalidDataException>(() => EnsembleManifest.Read(dir)).Message);
        File.WriteAllText(file, text.Replace("\"top_k\"", "\"topk\""));
        Assert.Contains($"{file}: topk: unknown field", Assert.Throws<InvalidDataException>(() => EnsembleManifest.Read(dir)).Message);
    }

    static double[] NextLogProbs(LlamaForCausalLM model, long[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(tensor(ids, [1, ids.Length]), lastTokenLogitsOnly: true).Logits[0, -1];
        return logits.to_type(ScalarType.Float64).log_softmax(-1).data<double>().ToArray();
    }
}
