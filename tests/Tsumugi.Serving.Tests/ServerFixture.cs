using Tsumugi.Modeling;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Serving.Server;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Serving.Tests;

/// <summary>
/// A tiny model saved as a real model directory and served in-process on 127.0.0.1 with a free port and an API key.
/// The in-memory original stays as <see cref="Reference"/>: what the server answers must equal its direct output.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key";
    public const string ModelName = "tiny-test";
    public const int ContextLength = 256;

    readonly string _dir = Path.Combine(Path.GetTempPath(), "tsumugi-serve-" + Guid.NewGuid().ToString("N"));
    readonly LlamaForCausalLM _model;
    PretrainedModel? _served;
    OpenAiServer? _server;

    public SpmTokenizer Tokenizer { get; } = TestTokenizers.ByteFallback();
    public TextGenerator Reference { get; }
    public string BaseUrl => _server!.BaseUrl;
    public PretrainedModel Served => _served!;

    public ServerFixture()
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = Tokenizer.VocabSize;
        config.MaxPositionEmbeddings = ContextLength; // small, so the context-length error is cheap to provoke
        _model = new LlamaForCausalLM(config);
        _model.InitializeWeights(11);
        Reference = new TextGenerator(_model, Tokenizer);
    }

    public async Task InitializeAsync()
    {
        HfModelDirectory.Save(_model, _dir);
        SpmModelIO.Write(Tokenizer.Model, Path.Combine(_dir, "tokenizer.model"));
        _served = PretrainedModel.Load(_dir, new PretrainedModelOptions { Name = ModelName });
        _server = new OpenAiServer(_served, new ServerOptions { Host = "127.0.0.1", Port = 0, ApiKey = ApiKey, MaxQueue = 4 });
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _served?.Dispose();
        _model.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } // best effort: temp files only
    }
}
