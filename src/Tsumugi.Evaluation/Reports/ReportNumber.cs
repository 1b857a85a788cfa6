using System.Globalization;

namespace Tsumugi.Evaluation.Reports;

/// <summary>How the report prints a value: whole numbers as is, others with 4 decimals below 100 and 2 above, trailing zeros dropped.</summary>
public static class ReportNumber
{
    public static string Format(double? value) => value switch
    {
        null => "",
        double v when double.IsNaN(v) => "NaN",
        double v when double.IsInfinity(v) => v > 0 ? "inf" : "-inf",
        double v when v == Math.Round(v) && Math.Abs(v) < 1e15 => v.ToString("0", CultureInfo.InvariantCulture),
        double v => v.ToString(Math.Abs(v) >= 100 ? "0.##" : "0.####", CultureInfo.InvariantCulture),
    };

    public static string BetterText(Better better) => better switch
    {
        Better.Lower => "lower",
        Better.Higher => "higher",
        _ => "none",
    };

    /// <summary>The rule in one sentence, printed under every table.</summary>
    public const string Rule = "Best value per row marked: lower is better for perplexity, bits, loss and failure/error metrics, "
        + "higher for everything else; counts (judged, samples, tokens, …) are not ranked.";
}
