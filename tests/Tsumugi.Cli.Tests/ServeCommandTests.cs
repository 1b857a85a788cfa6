namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi serve` option errors, reported in one line before the model is loaded.</summary>
[Collection("cli")]
public sealed class ServeCommandTests
{
    [Fact]
    public void Serve_ApiKeyAndApiKeyFile_FailsNamingBoth()
    {
        using var dir = new TempDirectory();
        var run = CliRunner.Run("serve", "--model", dir.File("absent"), "--api-key", "k", "--api-key-file", dir.File("key"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("either --api-key or --api-key-file", run.Err);
    }

    [Fact]
    public void Serve_MissingApiKeyFile_FailsNamingTheFile()
    {
        using var dir = new TempDirectory();
        var run = CliRunner.Run("serve", "--model", dir.File("absent"), "--api-key-file", dir.File("key"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"--api-key-file: {dir.File("key")} does not exist", run.Err);
    }
}
