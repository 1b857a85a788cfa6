using System.CommandLine;
using Tsumugi.Generation;
using Tsumugi.Serving.Server;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi serve`: an OpenAI-compatible HTTP server for one model directory. Thin over <see cref="OpenAiServer"/>.</summary>
public static class ServeCommand
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "serve";
    internal const string Description =
        "Serve a model over the OpenAI API (/v1/chat/completions, /v1/completions, /v1/models).";

    public static Command Create()
    {
        var defaults = new ServerOptions();
        var model = CommonOptions.Model();
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port).", DefaultValueFactory = _ => defaults.Port };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = $"Require 'Authorization: Bearer KEY' on /v1 requests. Visible in `ps`: prefer --api-key-file or ${ApiKeySource.EnvironmentVariable}.",
        };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = $"Read the API key from this file (surrounding whitespace ignored); default: ${ApiKeySource.EnvironmentVariable} if set." };
        var modelName = CommonOptions.ModelName("Model id clients send (default: the directory name).");
        var maxBatch = new Option<int>("--max-batch") { Description = "Requests decoded together (continuous batching: each joins and leaves between decode steps).", DefaultValueFactory = _ => defaults.MaxBatch };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests allowed to wait while --max-batch decode; more get 429.", DefaultValueFactory = _ => defaults.MaxQueue };
        var maxRequestBytes = new Option<long>("--max-request-bytes")
        {
            Description = "Largest request body accepted; larger ones get 413.", DefaultValueFactory = _ => defaults.MaxRequestBytes,
        };
        var maxPromptTokens = new Option<int?>("--max-prompt-tokens") { Description = "Longest prompt in tokens (default: the context window); longer ones get 400." };
        var maxTokensLimit = new Option<int?>("--max-tokens-limit")
        {
            Description = "Most new tokens per request (default: up to the context window); asking for more gets 400.",
        };
        var chatFormat = CommonOptions.ChatFormat();
        var adapter = CommonOptions.Adapter();
        var engine = CommonOptions.Engine();
        var weights = CommonOptions.EngineWeights();
        var command = new Command(Name, Description)
        {
            model, adapter, host, port, apiKey, apiKeyFile, modelName, maxBatch, maxQueue, maxRequestBytes, maxPromptTokens, maxTokensLimit, chatFormat, engine, weights,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!, Port = parse.GetValue(port),
                ApiKey = ApiKeySource.Resolve(parse.GetValue(apiKey), parse.GetValue(apiKeyFile), Environment.GetEnvironmentVariable), MaxBatch = parse.GetValue(maxBatch), MaxQueue = parse.GetValue(maxQueue),
                MaxRequestBytes = parse.GetValue(maxRequestBytes), MaxPromptTokens = parse.GetValue(maxPromptTokens),
                MaxTokensLimit = parse.GetValue(maxTokensLimit),
            };
            options.Validate(); // before loading the model: a typo costs nothing
            var decoder = CommonOptions.ParseEngine(parse.GetValue(engine)!, parse.GetValue(weights));
            var dir = parse.GetValue(model)!;
            var (served, description) = ChatModelLoader.Load(dir, parse.GetValue(chatFormat), forced => PretrainedModel.Load(dir, new PretrainedModelOptions
            {
                Name = parse.GetValue(modelName), ChatFormat = forced, Adapter = parse.GetValue(adapter),
                Engine = decoder.Kind, EngineWeights = decoder.Weights, BatchedDecoding = options.MaxBatch > 1,
            }));
            using var owned = served;
            await using var server = new OpenAiServer(served, options);
            await server.StartAsync(cancellationToken);
            Console.Error.WriteLine($"Serving '{served.Name}' at {server.BaseUrl}/v1 (chat template: {description}; "
                + $"up to {options.MaxBatch} requests decoded together; "
                + $"decoder: {served.Decoder}); Ctrl-C stops.");
            await server.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
