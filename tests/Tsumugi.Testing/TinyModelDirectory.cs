using Tsumugi.Modeling;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Testing;

/// <summary>
/// A randomly initialised tiny Llama with a byte-fallback tokenizer (<see cref="TestTokenizers"/>), saved as a real
/// Hugging Face model directory (config, safetensors, tokenizer.model): its answers are gibberish but fixed for a seed.
/// </summary>
public static class TinyModelDirectory
{
    /// <param name="configure">Changes the preset's config before the weights are made (e.g. <see cref="Mixtral"/>).</param>
    public static string Write(string directory, IEnumerable<string> words, long seed, int contextLength = 2048, Action<LlamaConfig>? configure = null)
    {
        var tokenizer = TestTokenizers.ByteFallback(words);
        var config = ModelPresets.Get("tiny");
        config.VocabSize = tokenizer.VocabSize;
        config.MaxPositionEmbeddings = contextLength;
        configure?.Invoke(config);
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(seed);
        HfModelDirectory.Save(model, directory);
        SpmModelIO.Write(tokenizer.Model, Path.Combine(directory, "tokenizer.model"));
        return directory;
    }

    /// <summary>Makes the tiny preset a Mixtral: 4 experts per layer, 2 active.</summary>
    public static void Mixtral(LlamaConfig config)
    {
        config.ModelType = "mixtral";
        config.Architectures = ["MixtralForCausalLM"];
        config.NumLocalExperts = 4;
        config.NumExpertsPerTok = 2;
    }
}
