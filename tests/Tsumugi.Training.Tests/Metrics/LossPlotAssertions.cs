using SkiaSharp;
using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

/// <summary>Checks that a rendered loss plot is a real 900×500 PNG with the curves drawn in their colors.</summary>
internal static class LossPlotAssertions
{
    // ScottPlot's Category10 palette: training loss uses the first color, validation domains the following ones.
    public static readonly SKColor TrainColor = SKColor.Parse("#1f77b4");
    public static readonly SKColor FirstValidationColor = SKColor.Parse("#ff7f0e");
    public static readonly SKColor SecondValidationColor = SKColor.Parse("#2ca02c");

    public static void IsPlotWithCurves(string pngPath, bool withValidation)
    {
        Assert.True(File.Exists(pngPath), $"{pngPath} was not written");
        Assert.Equal((LossPlot.Width, LossPlot.Height), PngImage.ReadSize(pngPath));
        using SKBitmap bitmap = PngImage.Decode(pngPath);
        Assert.Equal(900, bitmap.Width);
        Assert.Equal(500, bitmap.Height);

        SKColor background = bitmap.GetPixel(0, 0);
        int notBackground = bitmap.Pixels.Count(pixel => pixel != background);
        Assert.True(notBackground > bitmap.Width * bitmap.Height / 100, $"only {notBackground} pixels differ from the background");

        // The smoothed training line is drawn opaque, 2 px wide, across most of the width.
        Assert.True(PngImage.CountPixelsNear(bitmap, TrainColor, 10) > 500, "no training curve in the plot");
        int firstValidation = PngImage.CountPixelsNear(bitmap, FirstValidationColor, 10);
        int secondValidation = PngImage.CountPixelsNear(bitmap, SecondValidationColor, 10);
        if (withValidation)
        {
            Assert.True(firstValidation > 50, "the first validation domain is not drawn");
            Assert.True(secondValidation > 50, "the second validation domain is not drawn");
        }
        else
        {
            Assert.Equal(0, firstValidation + secondValidation);
        }
    }
}
