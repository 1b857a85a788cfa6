using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

public sealed class LossPlotTests
{
    [Fact]
    public void Draws_training_and_validation_curves_into_a_png_of_the_requested_size()
    {
        using var directory = new TemporaryDirectory();
        string png = Path.Combine(directory.Path, "plots", "loss.png");

        LossPlot.Save(png, LossPlotTestData.TrainLoss(), LossPlotTestData.ValidationLoss(), "run 1 loss");

        LossPlotAssertions.IsPlotWithCurves(png, withValidation: true);
        Assert.Equal(["loss.png"], Directory.GetFiles(Path.GetDirectoryName(png)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Training_loss_alone_is_enough_and_an_existing_plot_is_replaced()
    {
        using var directory = new TemporaryDirectory();
        string png = Path.Combine(directory.Path, "loss.png");
        File.WriteAllText(png, "an older, different file");

        LossPlot.Save(png, LossPlotTestData.TrainLoss());

        LossPlotAssertions.IsPlotWithCurves(png, withValidation: false);
    }

    [Fact]
    public void Non_finite_losses_and_empty_series_do_not_break_the_plot()
    {
        using var directory = new TemporaryDirectory();
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
    public void A_run_with_no_points_yet_still_gets_an_image()
    {
        using var directory = new TemporaryDirectory();
        string png = Path.Combine(directory.Path, "loss.png");

        LossPlot.Save(png, []);

        Assert.Equal((LossPlot.Width, LossPlot.Height), PngImage.ReadSize(png));
    }
}
