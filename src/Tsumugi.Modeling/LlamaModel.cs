using TorchSharp.Modules;
using Tsumugi.Modeling.Layers;
using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>The decoder stack (HF `model.*`): token embeddings, the layers and the final norm.</summary>
public sealed class LlamaModel : nn.Module
{
    readonly Embedding embed_tokens;
    readonly ModuleList<LlamaDecoderLayer> layers;
    readonly RMSNorm norm;

    public LlamaModel(LlamaConfig c) : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(c.VocabSize, c.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(i => new LlamaDecoderLayer(c, i)).ToArray());
        norm = new RMSNorm(c.HiddenSize, c.RmsNormEps);
        RegisterComponents();
    }

    public Parameter EmbeddingWeight => embed_tokens.weight!;

    /// <summary>Returns the final hidden states; collects each MoE layer's router logits into <paramref name="routerLogits"/>.</summary>
    public Tensor Forward(Tensor inputIds, AttentionContext ctx, List<Tensor>? routerLogits)
    {
        var h = embed_tokens.forward(inputIds);
        foreach (var layer in layers)
        {
            h = layer.Forward(h, ctx, out var logits);
            if (logits is not null) routerLogits?.Add(logits);
        }
        return norm.forward(h);
    }
}
