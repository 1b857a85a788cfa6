using Tsumugi.Modeling;
using Tsumugi.Serving.Generation;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Serving.Server;

/// <summary>The one model a server answers for: its public id, its generator, its context window and chat format.</summary>
public sealed class ServedModel(string id, TextGenerator generator, int contextLength, ChatPromptFormat chatFormat) : IDisposable
{
    LlamaForCausalLM? _owned;

    public string Id { get; } = id;
    public TextGenerator Generator { get; } = generator;

    /// <summary>max_position_embeddings: prompt + max_tokens must fit, since the KV cache cannot grow beyond it.</summary>
    public int ContextLength { get; } = contextLength;

    public ChatPromptFormat ChatFormat { get; } = chatFormat;

    /// <summary>Requests decoded together (continuous batching); 1 when the generator has no batcher.</summary>
    public int MaxBatch => Generator.Batcher?.MaxRows ?? 1;

    /// <summary>
    /// Loads an HF model directory with its tokenizer (tokenizer.model or tokenizer.json); the id defaults to the directory's name, the chat format to
    /// the one its tokenizer_config.json names (<see cref="ChatPrompt.Detect"/>). Up to <paramref name="maxBatch"/>
    /// requests decode together.
    /// </summary>
    public static ServedModel Load(string directory, string? id = null, ChatPromptFormat? chatFormat = null, int maxBatch = 8)
    {
        var tokenizer = TokenizerDirectory.LoadForModel(directory);
        var model = HfModelDirectory.Load(directory);
        var name = id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        var format = chatFormat ?? ChatPrompt.Detect(directory);
        var generator = new TextGenerator(model, tokenizer)
        {
            Batcher = new ContinuousBatcher(model, maxBatch, tokenizer.VocabSize), StopIds = ChatPrompt.StopIds(format, tokenizer),
        };
        return new ServedModel(name, generator, model.Config.MaxPositionEmbeddings, format)
        {
            _owned = model,
        };
    }

    public void Dispose()
    {
        if (_owned is null) return; // built by the caller, who owns the generator and its model
        Generator.Batcher?.Dispose();
        _owned.Dispose();
    }
}
