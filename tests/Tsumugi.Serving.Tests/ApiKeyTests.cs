using System.Net;
using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

/// <summary>Where the API key comes from (option, file, environment) and that only the exact key is let in.</summary>
public sealed class ApiKeyTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    static string? NoEnvironment(string name) => null;

    static Func<string, string?> Environment(string? key) => name => name == ApiKeySource.EnvironmentVariable ? key : null;

    [Fact]
    public void Resolve_CommandLineKey_IsUsed() =>
        Assert.Equal("from-option", ApiKeySource.Resolve("from-option", null, Environment("from-env")));

    [Fact]
    public void Resolve_KeyFileWithTrailingNewline_ReturnsTheKeyAlone()
    {
        using var dir = new TempDirectory();
        string file = dir.File("key");
        File.WriteAllText(file, "from-file\n");
        Assert.Equal("from-file", ApiKeySource.Resolve(null, file, Environment("from-env")));
    }

    [Fact]
    public void Resolve_NoOption_UsesTheEnvironmentVariable()
    {
        Assert.Equal("from-env", ApiKeySource.Resolve(null, null, Environment("from-env")));
        Assert.Null(ApiKeySource.Resolve(null, null, NoEnvironment));
        Assert.Null(ApiKeySource.Resolve(null, null, Environment(""))); // set but empty: no key, as an unset variable
    }

    [Fact]
    public void Resolve_BothOptions_ThrowsNamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => ApiKeySource.Resolve("a", "/some/file", NoEnvironment));
        Assert.Contains("--api-key-file", e.Message);
    }

    [Fact]
    public void Resolve_MissingOrEmptyKeyFile_ThrowsNamingTheFile()
    {
        using var dir = new TempDirectory();
        string missing = dir.File("missing");
        Assert.Contains(missing, Assert.Throws<ArgumentException>(() => ApiKeySource.Resolve(null, missing, NoEnvironment)).Message);
        string empty = dir.File("empty");
        File.WriteAllText(empty, " \n");
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ApiKeySource.Resolve(null, empty, NoEnvironment)).Message);
    }

    [Theory]
    [InlineData("Bearer " + ServerFixture.ApiKey, HttpStatusCode.OK)]
    [InlineData("Bearer " + ServerFixture.ApiKey + "x", HttpStatusCode.Unauthorized)] // longer
    [InlineData("Bearer test-ke", HttpStatusCode.Unauthorized)]                     // a prefix
    [InlineData("Bearer test-kez", HttpStatusCode.Unauthorized)]                    // same length, last byte differs
    [InlineData("bearer " + ServerFixture.ApiKey, HttpStatusCode.Unauthorized)]
    [InlineData("", HttpStatusCode.Unauthorized)]
    public async Task Models_Authorization_OnlyTheExactKeyPasses(string authorization, HttpStatusCode expected)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, fx.BaseUrl + "/v1/models");
        if (authorization.Length > 0) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }
}
