namespace Tsumugi.Training.Tests.Metrics;

/// <summary>
/// CI machines and containers often have no fonts at all. SkiaSharp's Linux build used here finds fonts by
/// scanning /usr/share/fonts (not through fontconfig), so the test hides that folder from a child process with
/// a private mount namespace (<c>unshare</c>, util-linux; works unprivileged through a user namespace) and
/// renders the plot there.
/// </summary>
public sealed class LossPlotWithoutFontsTests
{
    private const string FontDirectory = "/usr/share/fonts";

    [Fact]
    public void RendersTheCurvesWhenNoFontIsInstalled()
    {
        Assert.True(OperatingSystem.IsLinux(), "this check hides Linux's font folder");
        using var directory = new TempDirectory();
        string png = Path.Combine(directory.Path, "loss.png");
        string emptyDirectory = Directory.CreateDirectory(Path.Combine(directory.Path, "no-fonts")).FullName;

        // Without a font folder there is nothing to hide: the machine already has no fonts.
        IReadOnlyList<string>? hideFonts = Directory.Exists(FontDirectory)
            ? ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", "mount --bind \"$0\" \"$1\" && shift && exec \"$@\"", emptyDirectory, FontDirectory]
            : null;
        string output = TestAssemblyProcess.Run([TestAssemblyEntryPoint.RenderLossPlot, png], hideFonts);

        Assert.Contains("default-typeface-glyphs=0", output);
        LossPlotAssertions.IsPlotWithCurves(png, withValidation: true);
    }
}
