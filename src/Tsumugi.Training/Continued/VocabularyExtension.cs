using TorchSharp;
using Tsumugi.Modeling;
using Tsumugi.Tokenization;
using Tsumugi.Tokenization.HuggingFace;
using static TorchSharp.torch;

namespace Tsumugi.Training.Continued;

/// <summary>
/// Grows a model's vocabulary to an extended tokenizer for continued pretraining, Swallow / Swallow-MS style (Fujii et
/// al. 2024, arXiv 2404.17790; the mean-of-subwords rule is the one commonly described for Swallow and used by the
/// Chinese-LLaMA recipe): rows of pieces both tokenizers share are copied (following the piece, not the id), and each
/// new piece's row — in the embedding and in an untied LM head — starts as the mean of the old rows of the pieces the
/// old tokenizer splits it into. A new token then starts out meaning roughly what its old spelling meant.
/// </summary>
public static class VocabularyExtension
{
    const string EmbeddingKey = "model.embed_tokens.weight";
    const string LmHeadKey = "lm_head.weight";

    /// <summary>
    /// A new model (same dtype, device and train/eval mode as <paramref name="model"/>) whose vocabulary is the new
    /// tokenizer's (plus the old model's padding, see <see cref="VocabularyExtensionReport.PaddingRows"/>), with every
    /// other weight copied. <paramref name="model"/> is left unchanged and still owned by the caller.
    /// </summary>
    /// <exception cref="ArgumentException">The old tokenizer does not fit the model, the new tokenizer drops old
    /// pieces (unless allowed), or the id map belongs to other tokenizers.</exception>
    public static (LlamaForCausalLM Model, VocabularyExtensionReport Report) Extend(LlamaForCausalLM model, ITokenizer oldTokenizer,
        ITokenizer newTokenizer, VocabularyExtensionOptions? options = null)
    {
        var plan = Plan(model.Config.VocabSize, oldTokenizer, newTokenizer, options);
        var config = GrownConfig(model.Config, plan);
        var oldState = model.state_dict();
        var embedding = oldState[EmbeddingKey];
        var dtype = embedding.dtype;
        if (oldState.FirstOrDefault(kv => is_floating_point(kv.Value) && kv.Value.dtype != dtype) is { Key: { } mixed } entry)
            throw new NotSupportedException($"{mixed} is {entry.Value.dtype} but the embedding is {dtype}; cast the model to one dtype before extending its vocabulary.");
        var grown = Construct(config, dtype, embedding.device);
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var (name, target) in grown.state_dict())
            {
                if (name is EmbeddingKey or LmHeadKey) target.copy_(EmbeddingRows.Build(oldState[name], plan));
                else target.copy_(oldState[name]);
            }
        }
        catch
        {
            grown.Dispose();
            throw;
        }
        if (!model.training) grown.eval();
        return (grown, plan.Report);
    }

    /// <summary>
    /// The config <see cref="Extend"/> will produce, without touching weights (for a run's preflight): vocab_size
    /// and bos/eos/pad ids following their pieces into the new tokenizer.
    /// </summary>
    public static LlamaConfig ExtendedConfig(LlamaConfig config, ITokenizer oldTokenizer, ITokenizer newTokenizer,
        VocabularyExtensionOptions? options = null) =>
        GrownConfig(config, Plan(config.VocabSize, oldTokenizer, newTokenizer, options));

    static RowPlan Plan(int oldModelVocab, ITokenizer oldTokenizer, ITokenizer newTokenizer, VocabularyExtensionOptions? options) =>
        RowPlan.Build(oldModelVocab, oldTokenizer, newTokenizer, OldTokenSplit.For(oldTokenizer, newTokenizer), options ?? new VocabularyExtensionOptions());

    /// <summary>
    /// Loads an HF model directory and extends it to the tokenizer in <paramref name="tokenizerDirectory"/>. The old
    /// tokenizer defaults to the model directory's own; the tokenizer directory's id-map.json (written by
    /// `tsumugi tokenizer extend`) is used when present and <paramref name="options"/> gives none. The model is
    /// loaded on the CPU in <paramref name="dtype"/>.
    /// </summary>
    public static (LlamaForCausalLM Model, VocabularyExtensionReport Report) LoadExtended(string modelDirectory, string tokenizerDirectory,
        string? oldTokenizerPath = null, VocabularyExtensionOptions? options = null, ScalarType dtype = ScalarType.Float32)
    {
        if (!Directory.Exists(tokenizerDirectory))
            throw new DirectoryNotFoundException($"{tokenizerDirectory}: tokenizer directory not found; give the directory `tsumugi tokenizer extend` wrote.");
        var newTokenizer = TokenizerDirectory.Load(tokenizerDirectory);
        var oldTokenizer = LoadOldTokenizer(modelDirectory, oldTokenizerPath);
        var idMapPath = Path.Combine(tokenizerDirectory, VocabularyIdMap.FileName);
        options ??= new VocabularyExtensionOptions();
        if (options.IdMap is null && File.Exists(idMapPath))
            options = new VocabularyExtensionOptions { AllowDroppedPieces = options.AllowDroppedPieces, IdMap = VocabularyIdMap.Read(idMapPath) };
        // Check the tokenizers against the config before reading gigabytes of weights.
        ExtendedConfig(LlamaConfig.Load(modelDirectory), oldTokenizer, newTokenizer, options);
        using var model = HfModelDirectory.Load(modelDirectory, dtype);
        return Extend(model, oldTokenizer, newTokenizer, options);
    }

    static ITokenizer LoadOldTokenizer(string modelDirectory, string? oldTokenizerPath)
    {
        if (oldTokenizerPath is not null) return TokenizerDirectory.Load(oldTokenizerPath);
        if (!HfModelDirectory.TokenizerFiles.Take(2).Any(f => File.Exists(Path.Combine(modelDirectory, f))))
            throw new FileNotFoundException(
                $"{modelDirectory}: no tokenizer.model or tokenizer.json, so new rows cannot be initialised from the old pieces; pass the model's tokenizer with --old-tokenizer.");
        return TokenizerDirectory.Load(modelDirectory);
    }

    static LlamaConfig GrownConfig(LlamaConfig old, RowPlan plan)
    {
        var config = old.Clone();
        config.VocabSize = plan.NewVocabSize;
        config.BosTokenId = old.BosTokenId is { } bos ? plan.MapOldId(bos) : null;
        config.PadTokenId = old.PadTokenId is { } pad ? plan.MapOldId(pad) : null;
        config.EosTokenIds = old.EosTokenIds.Select(plan.MapOldId).OfType<int>().ToArray();
        config.Validate("extended model config");
        return config;
    }

    /// <summary>
    /// A model of <paramref name="config"/> built directly in <paramref name="dtype"/> (a 7B bf16 model must not pass
    /// through fp32) and moved to <paramref name="device"/>. Its random init is overwritten by the caller.
    /// </summary>
    static LlamaForCausalLM Construct(LlamaConfig config, ScalarType dtype, Device device)
    {
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        LlamaForCausalLM model;
        try
        {
            model = new LlamaForCausalLM(config);
        }
        finally
        {
            set_default_dtype(previous);
        }
        // Device has no value equality: compare type and index.
        if (device.type != DeviceType.CPU) model.to(device);
        return model;
    }
}
