using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// What the `eval judge` CLI tests need: a tiny random model directory with a byte-fallback tokenizer (built directly,
/// which is much faster than training a tokenizer), and a local OpenAI-compatible judge whose answer is a function of
/// the user prompt (status 200 with text, or an error status) and which records each request's Authorization header.
/// </summary>
public static class EvalJudgeTestKit
{
    public static string TinyModel(string directory)
    {
        var pieces = new List<SpmPiece> { new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control) };
        for (int b = 0; b < 256; b++) pieces.Add(new SpmPiece($"<0x{b:X2}>", 0, PieceType.Byte));
        pieces.AddRange(new[] { "▁", "の", "は", "。", "、", "\n" }.Select((w, i) => new SpmPiece(w, -1 - i)));
        var tokenizer = new SpmTokenizer(new SpmModel
        {
            Pieces = pieces,
            TrainerSpec = new SpmTrainerSpec { ModelType = SpmModelType.Unigram, VocabSize = pieces.Count, ByteFallback = true },
            NormalizerSpec = new SpmNormalizerSpec { Name = "identity" },
        });
        var config = ModelPresets.Get("tiny");
        config.VocabSize = tokenizer.VocabSize;
        config.MaxPositionEmbeddings = 2048;
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(2);
        HfModelDirectory.Save(model, directory);
        SpmModelIO.Write(tokenizer.Model, Path.Combine(directory, "tokenizer.model"));
        return directory;
    }

    public sealed class Judge : IAsyncDisposable
    {
        readonly WebApplication _app;
        public string Url { get; }
        public ConcurrentQueue<string> Authorizations { get; } = new();

        Judge(WebApplication app, string url) => (_app, Url) = (app, url);

        public static async Task<Judge> StartAsync(Func<string, (int Status, string Text)> answer)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.None);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            Judge? judge = null;
            app.MapPost("/v1/chat/completions", async (HttpContext ctx) =>
            {
                judge!.Authorizations.Enqueue(ctx.Request.Headers.Authorization.ToString());
                var body = (await JsonNode.ParseAsync(ctx.Request.Body))!;
                var user = body["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
                var (status, text) = answer(user);
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(status != 200
                    ? """{"error": {"message": "stub failure", "type": "server_error"}}"""
                    : new JsonObject
                    {
                        ["id"] = "c", ["object"] = "chat.completion", ["created"] = 1L, ["model"] = body["model"]!.GetValue<string>(),
                        ["choices"] = new JsonArray(new JsonObject
                        {
                            ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text }, ["finish_reason"] = "stop", ["logprobs"] = null,
                        }),
                    }.ToJsonString());
            });
            await app.StartAsync();
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return judge = new Judge(app, url + "/v1");
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
