namespace Tsumugi.Composition.Moe;

/// <summary>New router weights for upcycled and BTX models.</summary>
internal static class RouterInit
{
    /// <summary>
    /// Drop-Upcycling's <c>torch_rand_002</c>: U[0,1) draws, centred on their own mean and scaled by std·√12, i.e. a
    /// zero-mean uniform with standard deviation <paramref name="std"/> (0.02 in the released scripts). Seeded per layer.
    /// </summary>
    public static void TorchRand002(Span<float> router, double std, ulong seed, int layer)
    {
        var random = new SeededRandom(seed, MoeTensorNames.Router(layer), 0);
        var draws = new double[router.Length];
        for (int k = 0; k < draws.Length; k++) draws[k] = random.NextDouble();
        double mean = draws.Average(), scale = std * Math.Sqrt(12);
        for (int k = 0; k < draws.Length; k++) router[k] = (float)((draws[k] - mean) * scale);
    }
}
