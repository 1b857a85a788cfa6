using Tsumugi.Evaluation.Ensemble;
using Tsumugi.Evaluation.Perplexity;
using Tsumugi.Generation;
using Tsumugi.Generation.Ensemble;
using Tsumugi.Modeling;

namespace Tsumugi.Evaluation.Tests.Ensemble;

/// <summary>
/// Perplexity of a BTM ensemble against the single-model evaluator: one expert, or two copies of one model, score
/// exactly as that model does (over several sliding windows, so the posterior spans windows); a real mixture lies
/// between its experts and reports each expert's mean posterior.
/// </summary>
public sealed class EnsemblePerplexityTests : IClassFixture<TinyEvalModel>, IDisposable
{
    readonly TinyEvalModel _fx;
    readonly PretrainedModel _other;

    public EnsemblePerplexityTests(TinyEvalModel fx)
    {
        _fx = fx;
        var config = ModelPresets.Get("tiny");
        config.VocabSize = fx.Eval.Tokenizer.VocabSize;
        var model = new LlamaForCausalLM(config);
        model.InitializeWeights(77);
        model.eval();
        _other = new PretrainedModel(model, fx.Eval.Tokenizer, "other");
    }

    public void Dispose() => _other.Dispose();

    static readonly PerplexityOptions Options = new(Context: 16, Stride: 8, BatchSize: 4);

    static readonly EvalDocument[] Documents =
    [
        new("d1", "ja", "東京は東京は。東京は ab ab。東京は東京は。東京は東京は。"),
        new("d2", "en", "ab ab a b the ab a b ab the a b ab ab the a b"),
        new("d3", "en", ""),
    ];

    [Fact]
    public void AnEnsembleOfOneExpertScoresAsTheExpert()
    {
        var single = PerplexityEvaluator.Evaluate(_fx.Eval, Documents, Options);
        using var ensemble = ExpertEnsemble.FromModels([_fx.Eval]);
        var mixed = EnsemblePerplexityEvaluator.Evaluate(ensemble, Documents, Options);
        AssertSameScores(single, mixed.Perplexity);
        Assert.All(mixed.MeanPosteriorByDomain.Values, p => Assert.Equal(1.0, p[0], 12));
    }

    [Fact]
    public void TwoIdenticalExpertsScoreAsTheModel()
    {
        var single = PerplexityEvaluator.Evaluate(_fx.Eval, Documents, Options);
        using var ensemble = ExpertEnsemble.FromModels([_fx.Eval, _fx.Eval]);
        var mixed = EnsemblePerplexityEvaluator.Evaluate(ensemble, Documents, Options);
        AssertSameScores(single, mixed.Perplexity);
        Assert.All(mixed.MeanPosteriorByDomain.Values, p => Assert.Equal([0.5, 0.5], p.Select(x => Math.Round(x, 12))));
        // Identical experts: every document's posterior is uniform, so is the cached prior.
        var (prior, documents) = EnsemblePriorEstimator.Estimate(ensemble, Documents, Options, 0.3, 10);
        Assert.Equal(2, documents); // the empty document has nothing to score
        Assert.Equal(0.5, prior[0], 12);
    }

    [Fact]
    public void AMixtureOfTwoModelsIsNoWorseThanItsWorseExpertAndReportsItsPosterior()
    {
        var a = PerplexityEvaluator.Evaluate(_fx.Eval, Documents, Options);
        var b = PerplexityEvaluator.Evaluate(_other, Documents, Options);
        using var ensemble = ExpertEnsemble.FromModels([_fx.Eval, _other]);
        var mixed = EnsemblePerplexityEvaluator.Evaluate(ensemble, Documents, Options);
        foreach (var d in mixed.Perplexity.Documents)
        {
            var (na, nb) = (a.Documents.Single(x => x.Source == d.Source).NllNats, b.Documents.Single(x => x.Source == d.Source).NllNats);
            // Σ log(Σ_j w_j p_j) ≥ Σ log min_j p_j: the mixture never scores below both experts at once.
            Assert.True(d.NllNats <= Math.Max(na, nb) + 1e-9, $"{d.Source}: mixture NLL {d.NllNats} above both experts' ({na}, {nb})");
        }
        Assert.Equal(["all", "en", "ja"], mixed.MeanPosteriorByDomain.Keys.Order(StringComparer.Ordinal));
        Assert.All(mixed.MeanPosteriorByDomain.Values, p => Assert.Equal(1.0, p.Sum(), 9));
        Assert.Contains("posterior/ja/other", mixed.Metrics().Keys);
    }

    static void AssertSameScores(PerplexityResult expected, PerplexityResult actual)
    {
        Assert.Equal(expected.SkippedDocuments, actual.SkippedDocuments);
        Assert.Equal(expected.Documents.Select(d => (d.Source, d.Tokens)), actual.Documents.Select(d => (d.Source, d.Tokens)));
        foreach (var (e, a) in expected.Documents.Zip(actual.Documents)) Assert.Equal(e.NllNats, a.NllNats, 9);
        Assert.Equal(expected.Domains.Select(d => d.Perplexity), actual.Domains.Select(d => d.Perplexity), new Close());
    }

    sealed class Close : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x));
        public int GetHashCode(double obj) => 0;
    }
}
