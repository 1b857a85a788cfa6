using TorchSharp;
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
    readonly double? _embeddingScale;

    public LlamaModel(LlamaConfig c) : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(c.VocabSize, c.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(i => new LlamaDecoderLayer(c, i)).ToArray());
        norm = new RMSNorm(c.HiddenSize, c.RmsNormEps, c.NormAddsOne);
        _embeddingScale = c.EmbeddingScale;
        RegisterComponents();
    }

    /// <summary>
    /// The token embedding matrix. TorchSharp's native-backed <c>Embedding.weight</c> getter wraps a new tensor handle
    /// on every call, so the caller owns what it gets: read it inside a dispose scope (or use <see cref="WeightFormat"/>).
    /// </summary>
    public Parameter EmbeddingWeight => embed_tokens.weight!;

    /// <summary>
    /// The dtype and device of the weights, read without leaving a tensor handle behind: the scope frees the handle
    /// the getter creates (a Parameter the getter merely returned, not created here, is not touched). Read on every
    /// call rather than cached, so it stays right after <c>module.to(dtype/device)</c> replaces the parameters.
    /// </summary>
    public (ScalarType DType, Device Device) WeightFormat()
    {
        using var scope = NewDisposeScope();
        var weight = embed_tokens.weight!;
        return (weight.dtype, weight.device);
    }

    /// <summary>
    /// NEFTune (Jain et al. 2023, TRL's <c>neftune_noise_alpha</c>): in training mode, uniform noise of magnitude
    /// α/√(T·d) is added to the token embeddings; 0 = off. Evaluation and generation never see it.
    /// </summary>
    public double NeftuneAlpha { get; set; }

    /// <summary>
    /// Activation checkpointing (HF's <c>gradient_checkpointing</c>): in training with grad enabled, each decoder
    /// layer keeps only its input and is recomputed in backward (<see cref="CheckpointedLayer"/>). Costs about one
    /// extra forward per step; refused for MoE models.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>Returns the final hidden states; collects each MoE layer's router logits into <paramref name="routerLogits"/>.</summary>
    public Tensor Forward(Tensor inputIds, AttentionContext ctx, List<Tensor>? routerLogits)
    {
        var h = embed_tokens.forward(inputIds);
        if (training && NeftuneAlpha > 0) h = h.Plus(NeftuneNoise(h)); // before Gemma's scale, as HF's hook on the embedding
        if (_embeddingScale is { } scale) h = Scaled(h, scale);
        var checkpoint = GradientCheckpointing && training && is_grad_enabled();
        // With frozen embeddings (LoRA) the stack's input needs no grad, and a checkpointed layer whose inputs need
        // none records no backward at all, so the adapters inside would get nothing (HF's enable_input_require_grads).
        if (checkpoint && !h.requires_grad) h = h.detach().requires_grad_(true);
        foreach (var layer in layers)
        {
            if (checkpoint)
            {
                h = CheckpointedLayer.Run(layer, h, ctx);
                continue;
            }
            h = layer.Forward(h, ctx, out var logits);
            if (logits is not null) routerLogits?.Add(logits);
        }
        return norm.forward(h);
    }

    /// <summary>Gemma: h · √hidden_size, the factor rounded to h's dtype first (HF's <c>torch.tensor(normalizer, dtype=h.dtype)</c>).</summary>
    static Tensor Scaled(Tensor h, double scale)
    {
        using var normalizer = tensor(scale, dtype: h.dtype, device: h.device);
        return h.mul(normalizer);
    }

    Tensor NeftuneNoise(Tensor embeddings)
    {
        var magnitude = NeftuneAlpha / Math.Sqrt((double)embeddings.shape[1] * embeddings.shape[2]);
        using var width = (2 * magnitude).ToScalar();
        using var shift = magnitude.ToScalar();
        return rand_like(embeddings).mul_(width).sub_(shift);
    }
}
