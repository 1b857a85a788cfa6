namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class GenerateCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-gen-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    string TinyModel()
    {
        Assert.Equal(0, CliRunner.Run("tokenizer", "train", "--input", CorpusSample.Write("en", 20_000, Sub("en.txt")), "--output", Sub("tok"),
            "--vocab-size", "400", "--threads", "2").ExitCode);
        Assert.Equal(0, CliRunner.Run("model", "init", "--preset", "tiny", "--tokenizer", Sub("tok"), "--output", Sub("model"), "--seed", "3").ExitCode);
        return Sub("model");
    }

    [Fact]
    public void GenerateIsDeterministicStreamsTheSameTextAndReportsUsage()
    {
        var model = TinyModel();
        string[] args = ["generate", "--model", model, "--prompt", "The city of", "--max-tokens", "8", "--temperature", "0"];
        var first = CliRunner.Run(args);
        Assert.Equal(0, first.ExitCode);
        Assert.True(first.Out.Trim().Length > 0, "greedy output of 8 tokens should not be empty");
        Assert.Equal(first.Out, CliRunner.Run(args).Out);
        Assert.Equal(first.Out, CliRunner.Run([.. args, "--stream"]).Out);
        Assert.Matches(@"finish_reason=(length|stop) prompt_tokens=\d+ completion_tokens=[1-8]\]", first.Err);

        string[] sampled = ["generate", "--model", model, "--prompt", "Tokyo is", "--max-tokens", "12", "--temperature", "1", "--top-k", "40",
            "--top-p", "0.9", "--min-p", "0.01", "--repetition-penalty", "1.2", "--frequency-penalty", "0.5", "--presence-penalty", "0.5",
            "--no-repeat-ngram", "3", "--seed", "7"];
        var a = CliRunner.Run(sampled);
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(a.Out, CliRunner.Run(sampled).Out);

        var cut = first.Out.TrimEnd('\n');
        var stop = cut.Length >= 2 ? cut.Substring(cut.Length / 2, 1) : cut;
        var stopped = CliRunner.Run([.. args, "--stop", stop, "--stop", "never"]);
        Assert.Equal(cut[..cut.IndexOf(stop, StringComparison.Ordinal)] + "\n", stopped.Out);
        Assert.Contains("finish_reason=stop", stopped.Err);
    }

    [Fact]
    public void BadOptionsFailWithOneClearLine()
    {
        var bad = CliRunner.Run("generate", "--model", Sub("absent"), "--prompt", "x", "--top-p", "2");
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("error: top_p must be in (0, 1]", bad.Err);
        var missing = CliRunner.Run("generate", "--model", Sub("absent"), "--prompt", "x");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("tokenizer.model", missing.Err);
        Assert.Equal(2, CliRunner.Run("generate", "--model", Sub("absent")).ExitCode); // --prompt missing
    }
}
