using Tsumugi.Evaluation.Rewards;

namespace Tsumugi.Evaluation.Tests.Rewards;

public sealed class PreferencePairingTests
{
    static List<ScoredResponse> Responses(params double?[] scores) => scores.Select((s, i) => new ScoredResponse($"r{i}", $"応答{i}", s)).ToList();

    static (string, string)? Pair(IReadOnlyList<ScoredPair> pairs) => pairs.Count == 0 ? null : (pairs.Single().Chosen.Id, pairs.Single().Rejected.Id);

    [Fact]
    public void MaxMinPairsTheFirstBestWithTheFirstWorst()
    {
        Assert.Equal(("r2", "r1"), Pair(PreferencePairing.Select(Responses(3, 1, 9, 9, 1, 4), PairingStrategy.MaxMin, new Random(1))));
        var pair = PreferencePairing.Select(Responses(-0.5, 2.5), PairingStrategy.MaxMin, new Random(1)).Single();
        Assert.Equal(3.0, pair.Margin, 12);
        Assert.Equal("応答1", pair.Chosen.Response);
    }

    [Theory]
    [InlineData(PairingStrategy.MaxMin)]
    [InlineData(PairingStrategy.MaxRandom)]
    public void TiesFailuresAndTooFewScoresGiveNoPair(PairingStrategy strategy)
    {
        Assert.Empty(PreferencePairing.Select(Responses(5, 5, 5, 5), strategy, new Random(1)));
        Assert.Empty(PreferencePairing.Select(Responses(null, 7, null), strategy, new Random(1)));   // one scored sample
        Assert.Empty(PreferencePairing.Select(Responses(4, null, 4), strategy, new Random(1)));      // failures are not low scores
        Assert.Empty(PreferencePairing.Select(Responses(double.NaN, 1), strategy, new Random(1)));
        Assert.Empty(PreferencePairing.Select(Responses(), strategy, new Random(1)));
        Assert.Equal(("r3", "r0"), Pair(PreferencePairing.Select(Responses(2, null, null, 8), strategy, new Random(1))));
    }

    [Fact]
    public void MaxRandomDrawsOnlyAmongLowerScoresAndIsSeeded()
    {
        var responses = Responses(9, 1, 9, 5, 3);
        var drawn = Enumerable.Range(0, 200).Select(seed => PreferencePairing.Select(responses, PairingStrategy.MaxRandom, new Random(seed)).Single()).ToList();
        Assert.All(drawn, p => Assert.Equal("r0", p.Chosen.Id));
        Assert.Equal(["r1", "r3", "r4"], drawn.Select(p => p.Rejected.Id).Distinct().Order()); // never r2 (ties the best), each lower one drawn
        Assert.Equal(Pair(PreferencePairing.Select(responses, PairingStrategy.MaxRandom, new Random(42))),
            Pair(PreferencePairing.Select(responses, PairingStrategy.MaxRandom, new Random(42))));
    }
}
