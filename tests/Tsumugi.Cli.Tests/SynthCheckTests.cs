using System.Net;
using System.Net.Sockets;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `tsumugi synth run` refuses what cannot work — an unset key variable, an endpoint nobody answers, a template field
/// the inputs lack, an output directory that already holds a run — with exit code 1 and a message saying what to fix,
/// before the first chat request reaches any endpoint; `--check` passes a good config without asking anything.
/// </summary>
[Collection("cli")]
public sealed class SynthCheckTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-synth-check");
    public void Dispose() => _dir.Dispose();

    static string Answer(IReadOnlyList<(string Role, string Content)> messages) => "答え: " + messages[^1].Content;

    /// <summary>A config in the temp folder over three questions; returns its path.</summary>
    string Config(FaultyChatServer server, string name, string endpointExtra = "", string prompt = "{instruction}")
    {
        SynthTestKit.WriteInstructions(_dir.File("inputs.jsonl"), ["aptとは？", "dpkgとは？", "debconfとは？"]);
        File.WriteAllText(_dir.File(name), SynthTestKit.RegenerateConfig(server.BaseUrl, "inputs.jsonl", endpointExtra: endpointExtra, prompt: prompt));
        return _dir.File(name);
    }

    (int ExitCode, string Out, string Err) Synth(string config, params string[] more) =>
        CliRunner.Run(["synth", "run", "--config", config, "--output", _dir.File("out"), .. more]);

    [Fact]
    public async Task UnsetKeyVariable_FailsNamingTheVariableAndLine_BeforeAnyRequest()
    {
        await using var server = await FaultyChatServer.StartAsync(Answer);
        const string variable = "TSUMUGI_SYNTH_TEST_KEY_NEVER_SET";
        Assert.Null(Environment.GetEnvironmentVariable(variable));
        var run = Synth(Config(server, "key.yaml", $"    api_key_env: {variable}"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("key.yaml:", run.Err);
        Assert.Contains($"api_key_env: environment variable {variable} is not set; export it", run.Err);
        Assert.Equal(0, server.Posts);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public async Task UnreachableEndpoint_FailsNamingItsUrl_BeforeTheOtherEndpointGetsARequest()
    {
        await using var server = await FaultyChatServer.StartAsync(Answer);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; } // now closed
        var run = Synth(Config(server, "gone.yaml", $"  - name: gone\n    url: http://127.0.0.1:{port}/v1\n    model: m"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"unreachable at http://127.0.0.1:{port}/v1", run.Err);
        Assert.Contains("start the server or fix this endpoint's url", run.Err);
        Assert.Contains("gone", run.Err);
        Assert.Equal(0, server.Posts); // the good endpoint was only asked GET /v1/models
    }

    [Fact]
    public async Task TemplateFieldTheInputsLack_FailsNamingTheFieldAndKey_BeforeAnyRequest()
    {
        await using var server = await FaultyChatServer.StartAsync(Answer);
        var run = Synth(Config(server, "typo.yaml", prompt: "{instrucion}"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("typo.yaml:", run.Err);
        Assert.Contains("{instrucion} is not a field", run.Err);
        Assert.Contains("instruction", run.Err.Replace("{instrucion}", "")); // the fields it could have meant are listed
        Assert.Equal(0, server.Posts);
    }

    [Fact]
    public async Task Check_PassesAGoodConfigWithoutAskingOrWriting_AndASecondRunNeedsResume()
    {
        await using var server = await FaultyChatServer.StartAsync(Answer);
        var config = Config(server, "good.yaml");
        var check = Synth(config, "--check");
        Assert.True(check.ExitCode == 0, check.Err);
        Assert.Contains("Recipe regenerate: 3 items from 3 input records", check.Err);
        Assert.Contains("Check passed", check.Err);
        Assert.Equal(0, server.Posts);
        Assert.False(Directory.Exists(_dir.File("out")));

        var first = Synth(config);
        Assert.True(first.ExitCode == 0, first.Err + first.Out);
        Assert.Equal(3, SynthTestKit.ShardLines(_dir.File("out"), "records").Count);
        int posts = server.Posts;
        var again = Synth(config);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already holds a synth run; pass --resume to continue it, or choose a new --output directory", again.Err);
        Assert.Equal(posts, server.Posts);
        Assert.Equal(3, SynthTestKit.ShardLines(_dir.File("out"), "records").Count);
    }
}
