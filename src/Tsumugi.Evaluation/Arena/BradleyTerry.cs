namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// Bradley–Terry ratings by maximum likelihood, as FastChat / Chatbot Arena's compute_mle_elo: P(i beats j) =
/// 1 / (1 + BASE^(−(β_i − β_j))), fitted by weighted logistic regression without intercept or penalty where a win
/// weighs 2 and a tie 1 on each side (a tie is half a win for both); rating = SCALE·β + INIT. The likelihood fixes
/// only differences, so β is kept summing to zero — what scikit-learn's L-BFGS, started at zero, converges to (the
/// mean rating is INIT). Solved here by Newton's method on that subspace. A model that never lost (or never won) has
/// no finite maximum; iteration stops when the gradient is below <see cref="Tolerance"/> per unit of weight, leaving it
/// far above (below) the rest, as scikit-learn's stopping rule does.
/// </summary>
public static class BradleyTerry
{
    public const double Tolerance = 1e-9;
    const int MaxIterations = 200;

    public static Dictionary<string, double> Compute(IReadOnlyList<Battle> battles, double scale = EloRating.Scale, double @base = EloRating.Base, double init = EloRating.Init)
    {
        var models = battles.SelectMany(b => new[] { b.ModelA, b.ModelB }).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = models.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i, StringComparer.Ordinal);
        int n = models.Count;
        var weight = new double[n, n]; // weight[i, j]: i's weighted wins over j (win 2, tie 1)
        foreach (var b in battles)
        {
            int a = index[b.ModelA], c = index[b.ModelB];
            if (b.IsTie) { weight[a, c] += 1; weight[c, a] += 1; }
            else if (b.Winner == Battle.WinnerA) weight[a, c] += 2;
            else weight[c, a] += 2;
        }
        double total = Math.Max(1, battles.Count * 2.0), ln = Math.Log(@base);
        var beta = new double[n];
        for (int iteration = 0; iteration < MaxIterations && n > 1; iteration++)
        {
            var gradient = new double[n];
            var hessian = new double[n, n]; // of the negative log-likelihood, plus the all-ones matrix that pins Σβ
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) hessian[i, j] = 1;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    double games = weight[i, j] + weight[j, i];
                    if (games == 0) continue;
                    double p = 1 / (1 + Math.Exp(-ln * (beta[i] - beta[j])));
                    double g = ln * (weight[i, j] - games * p), h = ln * ln * games * p * (1 - p);
                    gradient[i] += g; gradient[j] -= g;
                    hessian[i, i] += h; hessian[j, j] += h; hessian[i, j] -= h; hessian[j, i] -= h;
                }
            if (gradient.Max(Math.Abs) / total < Tolerance) break;
            var step = Solve(hessian, gradient);
            for (int i = 0; i < n; i++) beta[i] += step[i];
        }
        return models.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => scale * beta[x.i] + init, StringComparer.Ordinal);
    }

    /// <summary>Solves A·x = b by Gaussian elimination with partial pivoting (A is small and positive definite here).</summary>
    static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int col = 0; col < n; col++)
        {
            int pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(m[r, col]));
            if (pivot != col)
            {
                for (int k = 0; k < n; k++) (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
                (x[col], x[pivot]) = (x[pivot], x[col]);
            }
            for (int r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[col, col]) < 1e-12) break;
                double f = m[r, col] / m[col, col];
                if (f == 0) continue;
                for (int k = col; k < n; k++) m[r, k] -= f * m[col, k];
                x[r] -= f * x[col];
            }
        }
        for (int r = n - 1; r >= 0; r--)
        {
            double s = x[r];
            for (int k = r + 1; k < n; k++) s -= m[r, k] * x[k];
            // A zero pivot: models with no battle path between them; their offset is unknowable, so left unmoved.
            x[r] = Math.Abs(m[r, r]) < 1e-12 ? 0 : s / m[r, r];
        }
        return x;
    }
}
