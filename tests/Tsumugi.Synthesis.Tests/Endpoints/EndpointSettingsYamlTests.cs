using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Endpoints;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Synthesis.Tests.Endpoints;

/// <summary>The <c>endpoints:</c> list of a synth config: defaults, every key, and errors that name file, line and key.</summary>
public sealed class EndpointSettingsYamlTests
{
    static IReadOnlyList<EndpointSettings> Read(string yaml, IReadOnlyDictionary<string, string>? environment = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var top = new YamlSection(stream.Documents[0].RootNode, "synth.yaml", "", null);
        var endpoints = EndpointSettings.Read(top, "endpoints", name => environment?.GetValueOrDefault(name));
        top.EnsureAllUsed();
        return endpoints;
    }

    [Fact]
    public void AnEndpointWithOnlyNameUrlAndModelGetsTheDefaults()
    {
        var e = Assert.Single(Read("""
            endpoints:
              - name: local
                url: http://localhost:8000/v1/chat/completions
                model: tiny
            """));
        Assert.Equal(("local", "tiny", "none", (string?)null), (e.Name, e.Model, e.ApiKey, e.KeyVariable));
        Assert.Equal(new Uri("http://localhost:8000/v1"), e.BaseUri);
        Assert.Equal((8, TimeSpan.FromSeconds(120), 8), (e.Concurrency, e.Timeout, e.Retries));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), (e.BackoffBase, e.BackoffMax));
        Assert.Equal((0.0, 0.0), (e.PromptPrice, e.CompletionPrice));
        Assert.Equal(new[] { "generate", "judge", "user" }, e.Roles.Order());
    }

    [Fact]
    public void EveryKeyIsRead()
    {
        var endpoints = Read("""
            endpoints:
              - name: local
                url: http://localhost:8000/v1
                model: tiny
                roles: [generate, user]
              - name: api
                url: https://api.example.com/v1
                model: big-model
                api_key_env: SYNTH_TEST_KEY
                concurrency: 32
                timeout_s: 30.5
                retries: 3
                backoff_s: 0.5
                backoff_max_s: 20
                price_prompt_per_million: 0.15
                price_completion_per_million: 0.6
                roles: judge
            """, new Dictionary<string, string> { ["SYNTH_TEST_KEY"] = "sk-test\n" });
        Assert.Equal(["local", "api"], endpoints.Select(e => e.Name));
        Assert.Equal(new[] { "generate", "user" }, endpoints[0].Roles.Order());
        var api = endpoints[1];
        Assert.Equal(("sk-test", "SYNTH_TEST_KEY", 32, 3), (api.ApiKey, api.KeyVariable, api.Concurrency, api.Retries));
        Assert.Equal((TimeSpan.FromSeconds(30.5), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(20)), (api.Timeout, api.BackoffBase, api.BackoffMax));
        Assert.Equal((0.15, 0.6), (api.PromptPrice, api.CompletionPrice));
        Assert.Equal(new[] { "judge" }, api.Roles);
    }

    [Theory]
    [InlineData("    api_key_env: OPENAI_API_KEY\n", "synth.yaml:5: endpoints[0].api_key_env: environment variable OPENAI_API_KEY is not set; export it or remove api_key_env for endpoints without keys")]
    [InlineData("    api_key_env: sk-abc123\n", "synth.yaml:5: endpoints[0].api_key_env: 'sk-abc123' is not an environment variable name")]
    [InlineData("    temperature: 0.7\n", "synth.yaml:5: unknown key 'endpoints[0].temperature' (allowed in 'endpoints[0]': name, url, model, api_key_env")]
    [InlineData("    concurrency: 0\n", "synth.yaml:5: endpoints[0].concurrency: 0 is outside [1, 256]")]
    [InlineData("    timeout_s: abc\n", "synth.yaml:5: endpoints[0].timeout_s: 'abc' is not a number")]
    [InlineData("    roles: []\n", "synth.yaml:5: endpoints[0].roles: list at least one role")]
    [InlineData("    backoff_s: 5\n    backoff_max_s: 1\n", "synth.yaml:2: endpoint 'local': backoff_max_s (1 s) must be ≥ backoff_s (5 s)")]
    [InlineData("  - name: local\n    url: http://b/v1\n    model: m\n", "synth.yaml:5: endpoints[1].name: 'local' is already the name of another endpoint")]
    public void BadEndpointsAreErrorsAtTheirLine(string extra, string expected)
    {
        var yaml = "endpoints:\n  - name: local\n    url: http://localhost:8000/v1\n    model: tiny\n" + extra;
        var e = Assert.Throws<ConfigException>(() => Read(yaml, new Dictionary<string, string> { ["EMPTY"] = "" }));
        Assert.StartsWith(expected, e.Message);
    }

    [Theory]
    [InlineData("other: 1\n", "synth.yaml:1: endpoints: missing: list the OpenAI-compatible endpoints")]
    [InlineData("endpoints: http://localhost:8000/v1\n", "synth.yaml:1: endpoints: must be a list of mappings")]
    [InlineData("endpoints:\n  - url: http://a/v1\n    model: m\n", "synth.yaml:2: endpoints[0].name: missing")]
    [InlineData("endpoints:\n  - name: a\n    url: localhost:8000\n    model: m\n", "synth.yaml:2: endpoint 'a': url 'localhost:8000' is not an http(s) URL")]
    [InlineData("endpoints:\n  - name: a\n    url: http://a/v1\n    model: m\n    api_key_env: EMPTY\n", "synth.yaml:5: endpoints[0].api_key_env: environment variable EMPTY is not set")]
    public void MissingOrMalformedListsAreErrors(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Read(yaml, new Dictionary<string, string> { ["EMPTY"] = "" }));
        Assert.StartsWith(expected, e.Message);
    }
}
