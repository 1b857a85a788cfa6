using ScottPlot;
using Tsumugi.Common;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// Renders the loss curves of a run to a PNG: training loss as a thin raw line plus its moving average,
/// validation loss per domain as marked points. Headless (Skia raster), so it runs on servers and CI.
/// </summary>
public static class LossPlot
{
    public const int Width = 900;
    public const int Height = 500;

    /// <summary>
    /// Writes the plot to <paramref name="pngPath"/>, replacing it atomically (<see cref="AtomicFile"/>) so a
    /// viewer or a kill mid-write never leaves a truncated image. Non-finite losses are left out.
    /// </summary>
    public static void Save(
        string pngPath,
        IReadOnlyList<(long Step, double Value)> trainLoss,
        IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>>? validationLoss = null,
        string title = "loss")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        ArgumentNullException.ThrowIfNull(trainLoss);
        ArgumentNullException.ThrowIfNull(title);

        byte[] png = Render(trainLoss, validationLoss ?? new Dictionary<string, IReadOnlyList<(long Step, double Value)>>(), title);
        AtomicFile.WriteAllBytes(pngPath, png);
    }

    private static byte[] Render(
        IReadOnlyList<(long Step, double Value)> trainLoss,
        IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> validationLoss,
        string title)
    {
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var labels = new List<string> { title, "step", "loss" };

        (double[] steps, double[] values) = LossSeries.Clean(trainLoss);
        if (steps.Length > 0)
        {
            Color trainColor = palette.GetColor(0);
            var raw = plot.Add.ScatterLine(steps, values, trainColor.WithAlpha(0.35));
            raw.LineWidth = 1;
            raw.LegendText = "train";
            var smoothed = plot.Add.ScatterLine(steps, LossSeries.Smooth(values, LossSeries.SmoothingWeightFor(values.Length)), trainColor);
            smoothed.LineWidth = 2;
            smoothed.LegendText = "train (moving average)";
            labels.AddRange([raw.LegendText, smoothed.LegendText]);
        }

        int colorIndex = 1;
        foreach ((string domain, IReadOnlyList<(long Step, double Value)> points) in validationLoss.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            (double[] validationSteps, double[] validationValues) = LossSeries.Clean(points);
            if (validationSteps.Length == 0)
                continue;
            var scatter = plot.Add.Scatter(validationSteps, validationValues, palette.GetColor(colorIndex++));
            scatter.LineWidth = 1.5f;
            scatter.MarkerSize = 7;
            scatter.LegendText = $"validation {domain}";
            labels.Add(scatter.LegendText);
        }

        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend(Alignment.UpperRight);
        if (PlotFontChooser.Choose(string.Concat(labels)) is { } family)
            plot.Font.Set(family);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
