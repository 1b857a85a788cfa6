using Tsumugi.Export.Gguf;
using Tsumugi.Generation;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Trainers;
using Tsumugi.Training;
using static Tsumugi.Cli.Tests.SpectreOutput;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `export gguf` of today's base-model architectures in real llama.cpp: a tiny Llama 3 (llama3 rope scaling as
/// rope_freqs, a byte-level vocabulary with Llama 3's pre-tokenizer), a tiny Qwen2 (q/k/v biases, tied embeddings,
/// a byte-level BPE vocabulary as llama.cpp's "gpt2" model) and a tiny Gemma 2 (sandwich norms stored as 1 + w,
/// softcaps, alternating sliding windows shorter than the text) continue greedily exactly as Tsumugi does, and
/// llama.cpp's own tokenizer reads the byte-level vocabulary as ours encodes.
/// </summary>
[Collection("cli")]
public sealed class GgufArchitecturesLlamaCppTests : IDisposable
{
    const int NewTokens = 12;
    const string Prompt = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。";
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-ggufarch-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    /// <remarks>
    /// Llama 3's rope: 3.1's llama3 scaling with the original context shrunk to 64 positions, so the tiny model's
    /// head_dim 16 has frequencies in all three regimes: kept (wavelength &lt; 16), ramped (16–64) and divided by the factor.
    /// </remarks>
    [Theory]
    [InlineData("tiny-qwen2", ByteLevelFlavor.Qwen2, "qwen2", "qwen2")]
    [InlineData("tiny", ByteLevelFlavor.Llama3, "llama", "llama-bpe")]
    public void AByteLevelModelContinuesInLlamaCppLikeTsumugiAndLlamaCppTokenizesAsWeDo(string preset, ByteLevelFlavor flavor, string architecture, string pre)
    {
        bool llama3 = flavor == ByteLevelFlavor.Llama3;
        var lines = File.ReadAllLines(CorpusSample.Write("ja", 40_000, Sub("ja.txt")));
        ByteLevelBpeTrainer.Train(lines, new ByteLevelTrainerOptions
        {
            VocabSize = 800, Flavor = flavor,
            SpecialTokens = llama3 ? ["<|begin_of_text|>", "<|end_of_text|>"] : ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            BosToken = llama3 ? "<|begin_of_text|>" : null, EosToken = llama3 ? "<|end_of_text|>" : "<|endoftext|>",
        }).Save(Sub("tok"));
        var export = Export(preset, Sub("tok"), seed: llama3 ? 9 : 3, llama3Rope: llama3);
        var keys = GgufKeys.Read(export.File);
        Assert.Equal(architecture, keys["general.architecture"]);
        Assert.Equal("gpt2", keys["tokenizer.ggml.model"]);
        Assert.Equal(pre, keys["tokenizer.ggml.pre"]);
        Assert.Equal(llama3 ? "true" : "false", keys["tokenizer.ggml.add_bos_token"]);
        AssertSameAsTsumugi(export);
        // llama.cpp's own pre-tokenizer and BPE over our vocabulary and merges: the same ids as ours.
        var text = string.Join("\n", lines.Take(20));
        Assert.Equal(TokenizerDirectory.Load(Sub("tok")).Encode(text), GgufLlamaCpp.Tokenize(_dir, export.File, text));
    }

    [Fact]
    public void Gemma2WithWindowsShorterThanTheTextContinuesInLlamaCppLikeTsumugi()
    {
        Ok("tokenizer", "train", "--input", CorpusSample.Write("ja", 30_000, Sub("ja.txt")), "--output", Sub("tok"),
            "--vocab-size", "1024", "--model-type", "bpe", "--threads", "2");
        var export = Export("tiny-gemma2", Sub("tok"), seed: 5, window: 8);
        var keys = GgufKeys.Read(export.File);
        Assert.Equal("gemma2", keys["general.architecture"]);
        Assert.Equal("8", keys["gemma2.attention.sliding_window"]);
        Assert.True(export.Prompt.Length + NewTokens > 2 * 8, "the text must outgrow the window for it to matter");
        AssertSameAsTsumugi(export);
    }

    (string File, int[] Prompt, int[] Ours, int[] Scored, double Nll) Export(string preset, string tok, int seed, int? window = null, bool llama3Rope = false)
    {
        var tokenizer = TokenizerDirectory.Load(tok);
        int[] prompt = tokenizer.BosId >= 0 ? [tokenizer.BosId, .. tokenizer.Encode(Prompt)] : tokenizer.Encode(Prompt);
        var config = ModelPresets.Get(preset);
        TokenizerInfo.Apply(tok, config);
        config.InitializerRange = 0.3;
        if (window is { } w) config.SlidingWindow = w;
        if (llama3Rope) config.RopeScaling = new RopeScaling("llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 64);
        if (config.QueryPreAttnScalar is not null) config.QueryPreAttnScalar = config.HeadDim; // what llama.cpp's gemma2 computes
        int[] ours, scored = [.. prompt, .. tokenizer.Encode(string.Join("\n", File.ReadLines(Sub("ja.txt")).Take(8))).Take(90)];
        double nll;
        using (var model = new LlamaForCausalLM(config))
        {
            model.InitializeWeights(seed);
            // Random norm weights: Gemma's zero-initialised (1 + w) norms would hide a missing + 1 in the export.
            using (TorchSharp.torch.no_grad())
                foreach (var (name, p) in model.named_parameters())
                    if (name.EndsWith("norm.weight")) p.uniform_(-0.5, 0.5);
            HfModelDirectory.Save(model, Sub(preset), tok);
            ours = TokenSampler.Generate(model, prompt, new SamplingOptions { Temperature = 0, MaxNewTokens = NewTokens }, []).ToArray();
            nll = GgufQuantLlamaCppTests.Nll(model, scored);
        }
        var file = Sub($"{preset}.gguf");
        Ok("export", "gguf", "--model", Sub(preset), "--output", file, "--quant", "f32");
        return (file, prompt, ours, scored, nll);
    }

    /// <summary>
    /// The greedy continuation, free-running and teacher-forced, and the summed NLL of a longer text (every position's
    /// full distribution, so a random model's repetitive continuation is not all that is compared).
    /// </summary>
    void AssertSameAsTsumugi((string File, int[] Prompt, int[] Ours, int[] Scored, double Nll) e)
    {
        var r = GgufLlamaCpp.Run(_dir, [e.File], e.Prompt, NewTokens, new Dictionary<string, int[]> { [e.File] = e.Ours }, e.Scored)[e.File];
        var summary = $"llama.cpp [{string.Join(",", r.Tokens)}] vs ours [{string.Join(",", e.Ours)}]; teacher-forced [{string.Join(",", r.Forced)}]; " +
                      $"NLL of {e.Scored.Length - 1} tokens llama.cpp {r.Nll:0.0000}, Tsumugi {e.Nll:0.0000}";
        Console.WriteLine(summary);
        Assert.True(r.Forced.SequenceEqual(e.Ours), summary);
        Assert.True(r.Tokens.SequenceEqual(e.Ours), summary);
        Assert.True(Math.Abs(r.Nll - e.Nll) < 1e-3 * e.Nll, summary);
    }
}
