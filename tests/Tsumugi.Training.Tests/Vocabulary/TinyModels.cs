using TorchSharp;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Vocabulary;

/// <summary>A two-layer model small enough to extend in milliseconds, with distinguishable random rows.</summary>
public static class TinyModels
{
    public static LlamaConfig Config(int vocab, bool tie) => new()
    {
        VocabSize = vocab, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, MaxPositionEmbeddings = 128, RmsNormEps = 1e-5, TieWordEmbeddings = tie,
        BosTokenId = 1, EosTokenIds = [2],
    };

    public static LlamaForCausalLM Build(int vocab, bool tie, ScalarType dtype = ScalarType.Float32, long seed = 11)
    {
        var model = new LlamaForCausalLM(Config(vocab, tie));
        model.InitializeWeights(seed);
        // Rows ~ N(0, 1) rather than N(0, 0.02): rows and their means then differ far beyond any rounding tolerance.
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (!name.Contains("norm")) p.mul_(50.0);
        if (dtype != ScalarType.Float32) model.to(dtype);
        model.eval();
        return model;
    }

    public static Tensor Weight(LlamaForCausalLM model, string name) => model.state_dict()[name];

    public const string Embedding = "model.embed_tokens.weight";
    public const string LmHead = "lm_head.weight";
}
