using Tsumugi.Generation.Ensemble;

namespace Tsumugi.Generation.Tests.Ensemble;

/// <summary>The BTM posterior, top-k and cached-prior arithmetic on hand-made numbers.</summary>
public sealed class BtmPosteriorTests
{
    static readonly double[] Uniform3 = [Math.Log(1 / 3.0), Math.Log(1 / 3.0), Math.Log(1 / 3.0)];

    [Fact]
    public void PosteriorIsBayesRuleOverTheContextLikelihood()
    {
        // Equal likelihoods: the posterior is the prior.
        Assert.Equal([0.2, 0.8], BtmPosterior.Posterior([Math.Log(0.2), Math.Log(0.8)], [-5.0, -5.0], 2), new Tolerance(1e-12));
        // Uniform prior: the posterior is the normalised likelihood (e^-1 : e^-2 : e^-3).
        var p = BtmPosterior.Posterior(Uniform3, [-1.0, -2.0, -3.0], 3);
        var z = Math.Exp(-1) + Math.Exp(-2) + Math.Exp(-3);
        Assert.Equal([Math.Exp(-1) / z, Math.Exp(-2) / z, Math.Exp(-3) / z], p, new Tolerance(1e-12));
        // Log space: contexts whose likelihoods underflow a double still give a posterior.
        Assert.Equal([1.0, 0.0], BtmPosterior.Posterior([0.0, 0.0], [-10_000.0, -11_000.0], 2), new Tolerance(1e-12));
    }

    [Fact]
    public void TopKKeepsOnlyTheMostProbableExpertsAndRenormalises()
    {
        var p = BtmPosterior.Posterior(Uniform3, [-3.0, -1.0, -2.0], 2);
        Assert.Equal(0.0, p[0]);
        Assert.Equal(1.0, p.Sum(), 12);
        Assert.Equal(Math.Exp(-1) / (Math.Exp(-1) + Math.Exp(-2)), p[1], 12);
        Assert.Equal([0.0, 1.0, 0.0], BtmPosterior.Posterior(Uniform3, [-3.0, -1.0, -2.0], 1));
        Assert.Throws<ArgumentException>(() => BtmPosterior.Posterior(Uniform3, [0.0, 0.0, 0.0], 4));
    }

    [Fact]
    public void MixtureIsThePosteriorWeightedSumOfTheExpertsProbabilities()
    {
        var mixture = BtmPosterior.MixtureLogProb([0.25, 0.75], [Math.Log(0.1), Math.Log(0.5)]);
        Assert.Equal(Math.Log(0.25 * 0.1 + 0.75 * 0.5), mixture, 12);
        // An expert outside the top-k (posterior 0) contributes nothing, even a certain prediction.
        Assert.Equal(Math.Log(0.2), BtmPosterior.MixtureLogProb([1.0, 0.0], [Math.Log(0.2), 0.0]), 12);
    }

    [Fact]
    public void ScoreConditionsEachTokenOnTheTokensBeforeIt()
    {
        // Expert 0 predicts every token with p 0.5, expert 1 with p 0.1: the first token is scored with the prior alone,
        // later ones lean more and more to expert 0.
        double[][] experts = [[Math.Log(0.5), Math.Log(0.5), Math.Log(0.5)], [Math.Log(0.1), Math.Log(0.1), Math.Log(0.1)]];
        var (logProbs, posteriors) = BtmPosterior.Score(experts, [Math.Log(0.5), Math.Log(0.5)], 2);
        Assert.Equal([0.5, 0.5], posteriors[0]);
        Assert.Equal(Math.Log(0.5 * 0.5 + 0.5 * 0.1), logProbs[0], 12);
        Assert.Equal(0.5 / 0.6, posteriors[1][0], 12);
        Assert.True(posteriors[2][0] > posteriors[1][0]);
        Assert.Equal(Math.Log(posteriors[2][0] * 0.5 + posteriors[2][1] * 0.1), logProbs[2], 12);
    }

    [Fact]
    public void CachedPriorIsAnEmaOfTheDocumentPosteriors()
    {
        // Three documents, each far more likely under expert 1: the prior moves from uniform toward expert 1 by the rate.
        var documents = Enumerable.Repeat<IReadOnlyList<double>>([-100.0, -10.0], 3).ToList();
        var prior = BtmPosterior.EmaPrior(documents, 2, 0.3);
        Assert.Equal(0.5 * Math.Pow(0.7, 3), prior[0], 9);
        Assert.Equal(1.0, prior.Sum(), 12);
        // Rate 1: the last document's posterior alone.
        Assert.Equal([1.0, 0.0], BtmPosterior.EmaPrior([[-1.0, -500.0]], 2, 1.0), new Tolerance(1e-12));
        // No held-out documents: uniform.
        Assert.Equal([0.5, 0.5], BtmPosterior.EmaPrior([], 2, 0.3));
    }

    sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;
        public int GetHashCode(double obj) => 0;
    }
}
