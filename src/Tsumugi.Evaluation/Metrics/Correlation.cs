using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// llm-jp-eval's corpus-level <c>pearson</c> and <c>spearman</c> (JSTS): scipy's <c>pearsonr</c> / <c>spearmanr</c> of
/// <c>float(gold)</c> against <see cref="ParseFloat"/>(prediction), NaN (a constant side) reported as 0.
/// </summary>
public static partial class Correlation
{
    /// <summary>
    /// llm-jp-eval's <c>parse_float</c>: delete every character but ASCII digits and '.', then Python float(); −2 when
    /// that fails. So "-0.5" reads as 0.5 and "3点" as 3, exactly as llm-jp-eval scores them.
    /// </summary>
    public static double ParseFloat(string prediction) => PythonText.Float(NotDigitOrPoint().Replace(prediction, "")) ?? -2.0;

    public static double Pearson(IReadOnlyList<string> predictions, IReadOnlyList<string> golds) =>
        ZeroIfNaN(PearsonR(Golds(golds), predictions.Select(ParseFloat).ToArray()));

    /// <summary>scipy's spearmanr: Pearson's r of the ranks, ties sharing their average rank.</summary>
    public static double Spearman(IReadOnlyList<string> predictions, IReadOnlyList<string> golds) =>
        ZeroIfNaN(PearsonR(Ranks(Golds(golds)), Ranks(predictions.Select(ParseFloat).ToArray())));

    static double[] Golds(IReadOnlyList<string> golds) => golds.Select((g, i) => PythonText.Float(g)
        ?? throw new InvalidDataException($"samples[{i}].output '{g}' is not a number; pearson/spearman need numeric gold answers.")).ToArray();

    static double ZeroIfNaN(double r) => double.IsNaN(r) ? 0 : r;

    /// <summary>scipy ≥ 1.9: centre both, divide by their norms, dot product, clip to [−1, 1]; NaN for fewer than two pairs or a constant side.</summary>
    public static double PearsonR(double[] x, double[] y)
    {
        if (x.Length != y.Length) throw new ArgumentException("pearson needs as many predictions as gold answers.");
        if (x.Length < 2) return double.NaN;
        double mx = x.Average(), my = y.Average();
        var dx = x.Select(v => v - mx).ToArray();
        var dy = y.Select(v => v - my).ToArray();
        double nx = Math.Sqrt(dx.Sum(v => v * v)), ny = Math.Sqrt(dy.Sum(v => v * v));
        if (nx == 0 || ny == 0) return double.NaN;
        double r = 0;
        for (int i = 0; i < dx.Length; i++) r += dx[i] / nx * (dy[i] / ny);
        return Math.Clamp(r, -1, 1);
    }

    /// <summary>scipy's rankdata(method="average"): 1-based ranks, ties get the mean of the ranks they span.</summary>
    public static double[] Ranks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    [GeneratedRegex("[^0-9.]")]
    private static partial Regex NotDigitOrPoint();
}
