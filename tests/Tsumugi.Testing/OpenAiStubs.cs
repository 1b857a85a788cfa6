using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tsumugi.Testing;

/// <summary>What the local OpenAI-compatible test servers share: a quiet slim host on a free port, and the reply bodies.</summary>
public static class OpenAiStubs
{
    /// <summary>Japanese goes out as UTF-8, as real servers send it.</summary>
    public static readonly JsonSerializerOptions Wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Starts a slim ASP.NET app on 127.0.0.1 with a free port; <paramref name="map"/> adds the routes. Returns the app and its …/v1 base URL.</summary>
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.None);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, url + "/v1");
    }

    /// <summary>A chat.completion body with the fields the official clients require.</summary>
    public static JsonObject ChatCompletion(string model, string? text, long promptTokens, long completionTokens) => new()
    {
        ["id"] = "chatcmpl-stub", ["object"] = "chat.completion", ["created"] = 1_700_000_000L, ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["finish_reason"] = "stop", ["logprobs"] = null,
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
    };

    /// <summary>OpenAI's error body.</summary>
    public static JsonObject Error(string message, string type) => new() { ["error"] = new JsonObject { ["message"] = message, ["type"] = type } };
}
