using SkiaSharp;
using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

/// <summary>
/// Entry point of the test assembly when <see cref="TestAssemblyProcess"/> runs it as a plain program (the test
/// project sets GenerateProgramFile=false; the test runner never calls Main). Each verb is one child-process
/// scenario of a metrics test.
/// </summary>
internal static class TestAssemblyEntryPoint
{
    public const string WriteEventsThenHang = "write-events-then-hang";
    public const string RenderLossPlot = "render-loss-plot";

    public static int Main(string[] args)
    {
        switch (args)
        {
            case [WriteEventsThenHang, string directory, string count]:
                WriteFlushedEventsThenHang(directory, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
                return 0;
            case [RenderLossPlot, string pngPath]:
                // Reported so the test can check the font situation it meant to create actually holds.
                Console.WriteLine($"default-typeface-glyphs={SKTypeface.Default.GlyphCount}");
                LossPlot.Save(pngPath, LossPlotTestData.TrainLoss(), LossPlotTestData.ValidationLoss(), "損失 loss");
                return 0;
            default:
                Console.Error.WriteLine($"unknown arguments: {string.Join(' ', args)}");
                return 2;
        }
    }

    /// <summary>Writes and flushes <paramref name="count"/> scalars, prints the file path, then waits to be killed.</summary>
    private static void WriteFlushedEventsThenHang(string directory, int count)
    {
        var writer = new TensorBoardWriter(directory);
        for (int step = 1; step <= count; step++)
        {
            writer.AddScalar("train/loss", 10.0 / step, step);
            writer.Flush();
        }
        // One more value that is never flushed: it may be lost, but must not leave a partial record behind.
        writer.AddScalar("train/loss", -1, count + 1);
        Console.WriteLine(writer.FilePath);
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
    }
}
