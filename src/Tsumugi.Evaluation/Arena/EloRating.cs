namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// Online Elo as FastChat's compute_elo (fastchat/serve/monitor/elo_analysis.py): every model starts at
/// <see cref="Init"/>; battles are applied in order, each moving both ratings by K × (score − expected), expected =
/// 1 / (1 + BASE^((r_other − r_self) / SCALE)), a tie scoring ½. Order-dependent by design: it follows a live arena.
/// </summary>
public static class EloRating
{
    public const double K = 4, Scale = 400, Base = 10, Init = 1000;

    public static Dictionary<string, double> Compute(IReadOnlyList<Battle> battles, double k = K, double scale = Scale, double @base = Base, double init = Init)
    {
        var rating = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var b in battles)
        {
            double ra = rating.GetValueOrDefault(b.ModelA, init), rb = rating.GetValueOrDefault(b.ModelB, init);
            double ea = 1 / (1 + Math.Pow(@base, (rb - ra) / scale)), eb = 1 / (1 + Math.Pow(@base, (ra - rb) / scale));
            double sa = b.ScoreA;
            rating[b.ModelA] = ra + k * (sa - ea);
            rating[b.ModelB] = rb + k * (1 - sa - eb);
        }
        return rating;
    }
}
