using System.Text.Json;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class ModelCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void InitWritesAnHfDirectoryThatScoreReadsAndScoresLikeTheModel()
    {
        var modelDir = Path.Combine(_dir, "m");
        var init = CliRunner.Run("model", "init", "--preset", "tiny", "--output", modelDir, "--seed", "5");
        Assert.Equal(0, init.ExitCode);
        Assert.True(File.Exists(Path.Combine(modelDir, "config.json")));

        var (code, stdout, _) = CliRunner.Run("model", "score", "--model", modelDir, "--ids", "1,17,300,42,9", "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var tokens = json.RootElement.GetProperty("tokens").EnumerateArray().ToArray();
        Assert.Equal(new long[] { 17, 300, 42, 9 }, tokens.Select(t => t.GetProperty("id").GetInt64()));
        Assert.Equal(new[] { 1, 2, 3, 4 }, tokens.Select(t => t.GetProperty("position").GetInt32()));

        // Independently: the model's log-softmax at position p-1 for token p.
        using var model = HfModelDirectory.Load(modelDir);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = new long[] { 1, 17, 300, 42, 9 };
        var logProbs = model.Forward(tensor(ids, [1, 5])).Logits[0].log_softmax(-1);
        double total = 0;
        for (int p = 1; p < 5; p++)
        {
            double expected = logProbs[p - 1, ids[p]].item<float>();
            Assert.Equal(expected, tokens[p - 1].GetProperty("log_prob").GetDouble(), 4);
            total -= expected;
        }
        Assert.Equal(total, json.RootElement.GetProperty("total_nll").GetDouble(), 3);
    }

    [Fact]
    public void InfoPrintsExactParameterCountsForAPreset()
    {
        var (code, stdout, _) = SpectreOutput.Run("model", "info", "--preset", "7b"); // tables go through Spectre
        Assert.Equal(0, code);
        Assert.Contains("6,738,415,616", stdout);
        Assert.Contains("training FLOPs / token", stdout);
    }

    [Fact]
    public void UsageErrorsExitWith2AndFailuresWith1()
    {
        Assert.Equal(2, CliRunner.Run("model", "init", "--preset", "tiny").ExitCode); // --output missing
        Assert.Equal(2, CliRunner.Run("model", "frobnicate").ExitCode);
        var unknown = CliRunner.Run("model", "init", "--preset", "nope", "--output", Path.Combine(_dir, "x"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("Unknown preset 'nope'", unknown.Err);
        var missing = CliRunner.Run("model", "score", "--model", Path.Combine(_dir, "absent"), "--ids", "1,2");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("error: ", missing.Err);
        Assert.DoesNotContain("   at ", missing.Err); // no stack trace without --verbose
    }

    [Fact]
    public void ScoreRejectsIdsOutsideTheVocabulary()
    {
        var modelDir = Path.Combine(_dir, "m2");
        Assert.Equal(0, CliRunner.Run("model", "init", "--preset", "tiny", "--output", modelDir).ExitCode);
        var (code, _, err) = CliRunner.Run("model", "score", "--model", modelDir, "--ids", "1,5000");
        Assert.Equal(1, code);
        Assert.Contains("token id 5000 is outside the model's vocabulary", err);
    }

    [Fact]
    public void HelpListsTheStages()
    {
        var (code, stdout, _) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("model", stdout);
        Assert.Contains("demo", stdout);
    }
}
