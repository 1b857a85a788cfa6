using Tsumugi.Evaluation.Arena;

namespace Tsumugi.Evaluation.Tests.Arena;

/// <summary>
/// Online Elo and Bradley–Terry ratings against values computed independently with /usr/bin/python3:
/// Elo by FastChat's compute_elo loop; Bradley–Terry by scipy.optimize.minimize (Newton-CG, analytic gradient, xtol 1e-14; gradient at the optimum < 2e-9) of the weighted
/// logistic loss (win 2, tie 1 each side, x = ±ln 10), β centred to mean 0, rating = 400β + 1000.
/// </summary>
public sealed class ArenaRatingTests
{
    static readonly Battle[] Battles =
    [
        new("a", "b", Battle.WinnerA),
        new("b", "c", Battle.Tie),
        new("c", "a", Battle.WinnerA),
        new("a", "c", Battle.WinnerA),
        new("b", "a", Battle.WinnerB),
        new("c", "b", Battle.WinnerB),
        new("c", "a", Battle.TieBothBad),
    ];

    [Fact]
    public void OnlineEloMatchesFastChatsComputeElo()
    {
        var elo = EloRating.Compute(Battles);
        Assert.Equal(1003.9424417257169, elo["a"], 9);
        Assert.Equal(998.0572315298704, elo["b"], 9);
        Assert.Equal(998.0003267444127, elo["c"], 9);
        // Order matters online: the same battles reversed give other ratings (first battle: a and b move by exactly K/2).
        Assert.NotEqual(elo["a"], EloRating.Compute(Battles.Reverse().ToList())["a"], 6);
        Assert.Equal(1002, EloRating.Compute([Battles[0]])["a"], 12);
    }

    [Fact]
    public void BradleyTerryMatchesTheLogisticRegressionMaximum()
    {
        var mle = BradleyTerry.Compute(Battles);
        Assert.Equal(1099.7712284333309, mle["a"], 6);
        Assert.Equal(938.5297346727011, mle["b"], 6);
        Assert.Equal(961.6990368939679, mle["c"], 6);
        Assert.Equal(3000, mle.Values.Sum(), 6); // centred: mean rating is INIT
        // Order does not matter for the MLE.
        Assert.Equal(mle["a"], BradleyTerry.Compute(Battles.Reverse().ToList())["a"], 9);
        // One win and one loss each way: equal ratings; a tie counts as half a win each side.
        var even = BradleyTerry.Compute([new("x", "y", Battle.WinnerA), new("x", "y", Battle.WinnerB)]);
        Assert.Equal((1000, 1000), (Math.Round(even["x"], 9), Math.Round(even["y"], 9)));
        var halves = BradleyTerry.Compute([new("x", "y", Battle.WinnerA), new("x", "y", Battle.Tie), new("x", "y", Battle.Tie), new("x", "y", Battle.WinnerB)]);
        Assert.Equal(1000, halves["x"], 9);
        // Three wins to one: P = 3/4 = 1/(1 + 10^(-(βx-βy))) → βx - βy = log10 3, split evenly around 1000.
        var threeToOne = BradleyTerry.Compute([.. Enumerable.Repeat(new Battle("x", "y", Battle.WinnerA), 3), new("y", "x", Battle.WinnerA)]);
        Assert.Equal(1000 + 200 * Math.Log10(3), threeToOne["x"], 6);
    }

    [Fact]
    public void AnUnbeatenModelStaysFiniteAndFirstAndAModelWithoutBattlesAgainstOthersDoesNotBreakTheFit()
    {
        var mle = BradleyTerry.Compute([new("top", "mid", Battle.WinnerA), new("mid", "low", Battle.WinnerA), new("low", "mid", Battle.WinnerA),
            new("x", "y", Battle.WinnerA), new("y", "x", Battle.WinnerA)]); // x–y never meet the others
        Assert.All(mle.Values, v => Assert.True(double.IsFinite(v)));
        Assert.True(mle["top"] > mle["mid"] + 1000, $"top {mle["top"]}, mid {mle["mid"]}"); // no finite maximum: far above
        Assert.Equal(mle["mid"], mle["low"], 6);
        Assert.Equal(mle["x"], mle["y"], 6);
    }

    [Fact]
    public void BootstrapIsSeededAndItsIntervalsHoldThePointEstimates()
    {
        var many = Enumerable.Range(0, 30).SelectMany(_ => Battles).ToList();
        var first = Leaderboard.Compute(many, 200, seed: 7);
        var again = Leaderboard.Compute(many, 200, seed: 7);
        Assert.Equal(first.Rows, again.Rows);
        Assert.NotEqual(first.Rows[0].RatingCi, Leaderboard.Compute(many, 200, seed: 8).Rows[0].RatingCi);
        Assert.Equal(["a", "c", "b"], first.Rows.Select(r => r.Model));
        foreach (var r in first.Rows)
        {
            Assert.InRange(r.Rating, r.RatingCi!.Lower, r.RatingCi.Upper);
            Assert.InRange(r.Elo, r.EloCi!.Lower, r.EloCi.Upper);
            Assert.True(r.RatingCi.Upper - r.RatingCi.Lower is > 1 and < 200, $"{r.Model}: {r.RatingCi}");
            Assert.Equal(200, r.RatingCi.Rounds);
        }
        Assert.Equal((150, 90, 30, 30), (first.Rows[0].Battles, first.Rows[0].Wins, first.Rows[0].Losses, first.Rows[0].Ties)); // a: 3 wins, 1 loss, 1 tie per round
        Assert.Null(Leaderboard.Compute(many, 0, 0).Rows[0].RatingCi);
    }

    [Fact]
    public void PercentilesInterpolateLikeNumpy()
    {
        // numpy.percentile([1, 2, 4, 8], [2.5, 50, 97.5]) = [1.075, 3.0, 7.7]
        double[] values = [1, 2, 4, 8];
        Assert.Equal(1.075, RatingBootstrap.Percentile(values, 0.025), 12);
        Assert.Equal(3.0, RatingBootstrap.Percentile(values, 0.5), 12);
        Assert.Equal(7.7, RatingBootstrap.Percentile(values, 0.975), 12);
    }

    [Fact]
    public void BattleFilesRoundTripAndNameTheBadLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tsumugi-battles-{Guid.NewGuid():N}.jsonl");
        try
        {
            BattleFile.Append(path, [new Battle("m1", "m2", Battle.TieBothBad, "81", 2, "human")]);
            BattleFile.Append(path, [Battles[0]]);
            Assert.Equal([new Battle("m1", "m2", Battle.TieBothBad, "81", 2, "human"), Battles[0]], BattleFile.Read(path));
            File.AppendAllText(path, """{"model_a": "m1", "model_b": "m2", "winner": "draw"}""" + "\n");
            Assert.Equal($"{path}:3: field 'winner' is 'draw'; expected one of 'model_a', 'model_b', 'tie', 'tie (bothbad)'.",
                Assert.Throws<InvalidDataException>(() => BattleFile.Read(path)).Message);
        }
        finally { File.Delete(path); }
    }
}
