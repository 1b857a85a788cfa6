using Tsumugi.Tokenization;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Generation;

/// <summary>
/// A model ready to run on text: weights, the model directory's own tokenizer (tokenizer.model or tokenizer.json),
/// checked to fit together, and the chat format its prompts are rendered in. Evaluation, the server, `generate` and
/// `chat` all load through <see cref="Load"/>, so a model directory means the same thing to every command. Anything
/// that changes how the model computes (an adapter) belongs in <see cref="PretrainedModelOptions"/> and is applied in
/// <see cref="Load"/>, so every caller gets it at once. Owns the model: disposing this disposes it.
/// </summary>
public sealed class PretrainedModel : IDisposable
{
    public LlamaForCausalLM Model { get; }
    public ITokenizer Tokenizer { get; }

    /// <summary>
    /// The built-in format the model's chat template is recognised as (<see cref="ChatPrompt.Inspect"/>), or the one
    /// forced; it picks the turn-end stops (<see cref="ChatStops"/>). Prompts are rendered with <see cref="ChatTemplate"/>.
    /// </summary>
    public ChatPromptFormat ChatFormat { get; }

    /// <summary>
    /// The template chat prompts are rendered with: the model directory's own chat_template (chat_template.jinja or
    /// tokenizer_config.json) when it has one and no format was forced, else the built-in template of
    /// <see cref="ChatFormat"/>. Parsed on first use, so a template with an unsupported construct fails there, naming it.
    /// </summary>
    public ChatTemplate ChatTemplate => _chatTemplate.Value;

    readonly Lazy<ChatTemplate> _chatTemplate;

    /// <summary>The name results and API clients know the model by; by default the directory's name.</summary>
    public string Name { get; }

    /// <summary>The LoRA adapter applied on the fly (<see cref="PretrainedModelOptions.Adapter"/>), or null.</summary>
    public LoraAdapter? Adapter { get; private init; }

    /// <summary>
    /// The native decode engine generation runs on (<see cref="PretrainedModelOptions.Engine"/>), or null for torch. The
    /// weights are packed at the first use, so a load that never generates (an eval suite of multiple-choice tasks, scored
    /// by torch forwards) costs neither the packing time nor the packed copy's memory.
    /// </summary>
    public NativeEngine? Engine => _engine?.Value;

    Lazy<NativeEngine>? _engine;

    /// <summary>Why generation runs on torch although the native engine was allowed (Auto), or null.</summary>
    public string? EngineNote { get; private set; }

    /// <summary>Which decoder generation runs on, for a command's log line: "native engine (F32, 2 threads)" or "torch (why not the engine)".</summary>
    public string Decoder => _engineFormat is { } format ? $"native engine ({format}, {_engineThreads} thread{(_engineThreads == 1 ? "" : "s")})"
        : "torch" + (EngineNote is { } why ? $" ({why})" : "");

    WeightFormat? _engineFormat;
    int _engineThreads;

    /// <summary>max_position_embeddings: prompt + new tokens must fit, since the KV cache cannot grow beyond it.</summary>
    public int ContextLength => Model.Config.MaxPositionEmbeddings;

    /// <param name="chatFormat">Default: the instruction format, which a directory without a chat_template gets too.</param>
    public PretrainedModel(LlamaForCausalLM model, ITokenizer tokenizer, string name, ChatPromptFormat chatFormat = ChatPromptFormat.Instruction)
        : this(model, tokenizer, name, chatFormat, null)
    {
    }

    PretrainedModel(LlamaForCausalLM model, ITokenizer tokenizer, string name, ChatPromptFormat chatFormat, string? templateDirectory)
    {
        CheckVocabulary(tokenizer.VocabSize, model.Config.VocabSize, name);
        (Model, Tokenizer, Name, ChatFormat) = (model, tokenizer, name, chatFormat);
        _chatTemplate = new(() => (templateDirectory is null ? null : ModelChatTemplate.Load(templateDirectory)) ?? BuiltInChatTemplates.For(chatFormat));
    }

    /// <summary>
    /// Loads an HF model directory. Everything cheap is read and checked before the weights (tokenizer, chat format,
    /// vocabulary size against config.json), so a wrong directory fails in milliseconds, not after a multi-GB read; a
    /// missing directory is reported as its missing tokenizer, the file a user has to put there.
    /// </summary>
    public static PretrainedModel Load(string directory, PretrainedModelOptions? options = null)
    {
        options ??= new PretrainedModelOptions();
        var tokenizer = TokenizerDirectory.LoadForModel(directory);
        var chatFormat = options.ChatFormat ?? ChatPrompt.Detect(directory);
        CheckVocabulary(tokenizer.VocabSize, LlamaConfig.Load(directory).VocabSize, directory);
        if (options.Adapter is { } adapterDir) LoraConfigJson.Read(adapterDir); // a bad adapter config fails before the weights load
        var model = HfModelDirectory.Load(directory, options.Dtype, options.Device);
        LoraAdapter? adapter = null;
        try
        {
            if (options.Adapter is { } dir) adapter = LoraAdapter.Load(dir, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var name = options.Name ?? DirectoryName(directory) + (options.Adapter is { } a ? "+" + DirectoryName(a) : "");
        var loaded = new PretrainedModel(model, tokenizer, name, chatFormat, options.ChatFormat is null ? directory : null) { Adapter = adapter };
        try
        {
            loaded.StartEngine(options);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
        return loaded;
    }

    /// <summary>Chooses the native engine when the options allow it and the model is one it runs (its weights are packed at the first use).</summary>
    void StartEngine(PretrainedModelOptions options)
    {
        if (options.Engine == DecodeEngineKind.Torch) return;
        var reason = NativeEngine.Unsupported(Model.Config)
            ?? (Adapter is not null ? "a LoRA adapter is applied on the fly (merge it with `tsumugi merge` for the native engine)" : null)
            ?? (options.Device is { } d && d.type != TorchSharp.DeviceType.CPU ? $"the weights are on {d.type} (the native engine runs on the CPU)" : null);
        if (reason is not null)
        {
            if (options.Engine == DecodeEngineKind.Native) throw new NotSupportedException($"--engine native: {reason}.");
            EngineNote = reason;
            return;
        }
        var format = options.EngineWeights ?? options.Dtype switch
        {
            TorchSharp.torch.ScalarType.Float16 => WeightFormat.F16,
            TorchSharp.torch.ScalarType.BFloat16 => WeightFormat.BF16,
            _ => WeightFormat.F32,
        };
        if (options.Engine == DecodeEngineKind.Auto && options.EngineWeights is null && format == WeightFormat.F32 && !options.BatchedDecoding)
        {
            // Measured (docs/BENCHMARKS.md, "Native decode engine"): one stream at f32 decodes as fast on libtorch, which
            // needs no packed copy of the weights; batched steps are where the engine wins at f32 (BatchedDecoding).
            EngineNote = "f32 weights decode one sequence as fast on torch; --weights f16 or q8_0 (or --dtype float16) runs the native engine";
            return;
        }
        (_engineFormat, _engineThreads) = (format, options.EngineThreads ?? TorchSharp.torch.get_num_threads());
        _engine = new Lazy<NativeEngine>(() => new NativeEngine(Model, format, _engineThreads));
    }

    static string DirectoryName(string path) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));

    /// <summary>
    /// The prompt for the assistant's next turn in this model's <see cref="ChatTemplate"/>; a conversation the
    /// template rejects (raise_exception) is an <see cref="ArgumentException"/> with the template's message.
    /// </summary>
    public string RenderChat(IReadOnlyList<ChatMessage> messages) => ChatPrompt.Render(ChatTemplate, messages);

    /// <summary>
    /// Stop strings that end an answer to a <see cref="RenderChat"/> prompt (<see cref="ChatPrompt.Stops"/>): the
    /// format's turn-end markers and the template's eos_token when it arrives as text. Serve, chat and eval judge all
    /// stop here, on top of <see cref="CreateChatGenerator"/>'s stop ids.
    /// </summary>
    public IReadOnlyList<string> ChatStops => ChatPrompt.Stops(ChatFormat, ChatTemplate, Tokenizer);

    /// <summary>BOS (when the tokenizer has one) followed by the text's tokens, as the Llama family was trained; control tokens stay text.</summary>
    public long[] Encode(string text)
    {
        var ids = Tokenizer.Encode(text);
        return Tokenizer.BosId >= 0 ? [Tokenizer.BosId, .. ids.Select(i => (long)i)] : ids.Select(i => (long)i).ToArray();
    }

    /// <summary>Plain completion: generation ends at the tokenizer's EOS (or another of config.json's eos_token_id). <paramref name="batcher"/> must wrap <see cref="Model"/>.</summary>
    public TextGenerator CreateGenerator(ContinuousBatcher? batcher = null) =>
        new(Model, Tokenizer) { Batcher = batcher, StopIds = ModelStopIds([Tokenizer.EosId]), Engine = Engine };

    /// <summary>
    /// For answers to chat prompts: generation also ends at the chat format's turn-end token and the chat template's
    /// eos_token (<see cref="ChatPrompt.StopIds"/>); pass <see cref="ChatStops"/> as stop strings too.
    /// <paramref name="batcher"/> must wrap <see cref="Model"/>.
    /// </summary>
    public TextGenerator CreateChatGenerator(ContinuousBatcher? batcher = null) =>
        new(Model, Tokenizer) { Batcher = batcher, StopIds = ModelStopIds(ChatPrompt.StopIds(ChatFormat, Tokenizer, ChatTemplate)), Engine = Engine };

    /// <summary>A <see cref="ContinuousBatcher"/> over this model, decoding on <see cref="Engine"/> when there is one.</summary>
    public ContinuousBatcher CreateBatcher(int maxRows) => new(Model, maxRows, Tokenizer.VocabSize, Engine);

    /// <summary>
    /// <paramref name="ids"/> plus config.json's eos_token_id list: Llama 3.1 lists &lt;|eot_id|&gt; and
    /// &lt;|eom_id|&gt; beside &lt;|end_of_text|&gt;, and transformers stops at any of them.
    /// </summary>
    IReadOnlyCollection<int> ModelStopIds(IEnumerable<int> ids) => ids.Concat(Model.Config.EosTokenIds).Where(id => id >= 0).Distinct().ToArray();

    /// <summary>A tokenizer with more pieces than the model's vocab_size would index past the embedding table.</summary>
    static void CheckVocabulary(int tokenizerPieces, int modelVocab, string where)
    {
        if (tokenizerPieces > modelVocab)
            throw new InvalidDataException(
                $"{where}: the tokenizer has {tokenizerPieces} pieces but the model's vocab_size is {modelVocab}; " +
                "the tokenizer does not belong to this model (resize the model with `tsumugi model extend-vocab` or use its own tokenizer).");
    }

    public void Dispose()
    {
        if (_engine is { IsValueCreated: true }) _engine.Value.Dispose();
        Adapter?.Dispose();
        Model.Dispose();
    }
}
