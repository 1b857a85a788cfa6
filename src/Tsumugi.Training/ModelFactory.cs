using Tsumugi.Modeling;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Training.Config;
using static TorchSharp.torch;

namespace Tsumugi.Training;

/// <summary>
/// The model a run starts from: a preset or config.json initialised from the seed, or an HF directory for continued
/// pretraining (its vocabulary grown when <c>model.tokenizer</c> is larger). Built on the CPU in fp32, then moved.
/// </summary>
public static class ModelFactory
{
    /// <summary>The config the run will train (no weights), for the preflight.</summary>
    public static LlamaConfig Config(ModelSettings settings)
    {
        LlamaConfig config;
        if (settings.From is { } from)
        {
            var path = Path.Combine(from, "config.json");
            if (!File.Exists(path)) throw new TrainConfigException($"model.from: {from} has no config.json; give an HF model directory");
            config = LlamaConfig.Load(path);
            if (settings.Tokenizer is not { } tokenizer) return config;
            if (!HfModelDirectory.TokenizerFiles.Take(2).Any(f => File.Exists(Path.Combine(from, f))))
                throw new TrainConfigException($"model.from: {from} has no tokenizer.model or tokenizer.json, so the new vocabulary rows of model.tokenizer cannot be initialised from the old pieces; copy the base model's tokenizer into it");
            try
            {
                return Continued.VocabularyExtension.ExtendedConfig(config, TokenizerDirectory.Load(from), TokenizerDirectory.Load(tokenizer));
            }
            catch (ArgumentException e)
            {
                // The extension's own advice names CLI flags of `model extend-vocab`; here the keys are what to change.
                var reason = e.Message.Split(" (build it")[0].Split(" (check --old-tokenizer)")[0].TrimEnd('.');
                throw new TrainConfigException($"model.tokenizer {tokenizer} cannot extend model.from {from}: {reason}. Use the tokenizer `tsumugi tokenizer extend` wrote from the model's own tokenizer (or `tsumugi model extend-vocab --allow-dropped-pieces` to force it, then train from its output)");
            }
        }
        if (settings.ConfigPath is { } file)
        {
            if (!File.Exists(file)) throw new TrainConfigException($"model.config: {file} not found");
            config = LlamaConfig.Load(file);
        }
        else
        {
            try
            {
                config = ModelPresets.Get(settings.Preset!);
            }
            catch (ArgumentException e)
            {
                throw new TrainConfigException($"model.preset: {e.Message}");
            }
        }
        if (settings.Tokenizer is { } dir) TokenizerInfo.Apply(dir, config);
        if (settings.VocabSize is { } v) config.VocabSize = v;
        return config;
    }

    /// <summary>Builds the weights: seeded init, or the HF directory's (vocabulary extended when asked).</summary>
    public static LlamaForCausalLM Build(ModelSettings settings, LlamaConfig config, long seed, TextWriter log)
    {
        if (settings.From is { } from)
        {
            if (settings.Tokenizer is null) return HfModelDirectory.Load(from, ScalarType.Float32);
            var (extended, report) = Continued.VocabularyExtension.LoadExtended(from, settings.Tokenizer);
            log.WriteLine($"vocabulary extended to {extended.Config.VocabSize:N0}: {report}");
            return extended;
        }
        manual_seed(seed);
        var model = new LlamaForCausalLM(config);
        model.InitializeWeights(seed);
        return model;
    }
}
