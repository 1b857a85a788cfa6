using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

public sealed class LossPlotTests
{
    [Fact]
    public void DrawsTrainingAndValidationCurvesIntoAPngOfTheRequestedSize()
    {
        using var directory = new TempDirectory();
        string png = Path.Combine(directory.Path, "plots", "loss.png");

        LossPlot.Save(png, LossPlotTestData.TrainLoss(), LossPlotTestData.ValidationLoss(), "run 1 loss");

        LossPlotAssertions.IsPlotWithCurves(png, withValidation: true);
        Assert.Equal(["loss.png"], Directory.GetFiles(Path.GetDirectoryName(png)!).Select(Path.GetFileName));
    }

    [Fact]
    public void TrainingLossAloneIsEnoughAndAnExistingPlotIsReplaced()
    {
        using var directory = new TempDirectory();
        string png = Path.Combine(directory.Path, "loss.png");
        File.WriteAllText(png, "an older, different file");

        LossPlot.Save(png, LossPlotTestData.TrainLoss());

        LossPlotAssertions.IsPlotWithCurves(png, withValidation: false);
    }

    [Fact]
    public void NonFiniteLossesAndEmptySeriesDoNotBreakThePlot()
    {
        using var directory = new TempDirectory();
        string png = Path.Combine(directory.Path, "loss.png");
        var train = LossPlotTestData.TrainLoss().ToList();
        train[100] = (train[100].Step, double.NaN);
        train[200] = (train[200].Step, double.PositiveInfinity);
        var validation = new Dictionary<string, IReadOnlyList<(long Step, double Value)>>(LossPlotTestData.ValidationLoss())
        {
            ["empty"] = [],
        };

        LossPlot.Save(png, train, validation);

        LossPlotAssertions.IsPlotWithCurves(png, withValidation: true);
    }

    [Fact]
    public void RunWithNoPointsYetStillGetsAnImage()
    {
        using var directory = new TempDirectory();
        string png = Path.Combine(directory.Path, "loss.png");

        LossPlot.Save(png, []);

        Assert.Equal((LossPlot.Width, LossPlot.Height), PngImage.ReadSize(png));
    }
}
