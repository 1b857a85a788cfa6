using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// Activation checkpointing for one decoder layer (Chen et al. 2016; HF's <c>gradient_checkpointing</c>, PyTorch's
/// reentrant <c>torch.utils.checkpoint</c>): the forward runs without autograd recording and keeps only the layer's
/// input; backward re-runs the layer with grad on that input and backpropagates through the fresh graph, which
/// accumulates the parameters' gradients (LoRA adapters included) and yields the input's gradient.
/// The default generator's state is saved before the forward and replayed for the recompute, so LoRA dropout draws
/// the same mask twice. MoE layers are not supported (their router logits would carry no gradient to the aux loss).
/// </summary>
internal sealed class CheckpointedLayer : autograd.SingleTensorFunction<CheckpointedLayer>
{
    const string LayerKey = "layer", ContextKey = "ctx", RngKey = "rng";

    public override string Name => nameof(CheckpointedLayer);

    /// <summary>The layer's output for <paramref name="x"/>, differentiable through the recompute.</summary>
    public static Tensor Run(LlamaDecoderLayer layer, Tensor x, AttentionContext ctx) => apply(x, layer, ctx);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var layer = (LlamaDecoderLayer)vars[1];
        var attention = (AttentionContext)vars[2];
        ctx.save_for_backward([x]);
        ctx.save_data(LayerKey, layer);
        ctx.save_data(ContextKey, attention);
        using (var state = get_rng_state()) ctx.save_data(RngKey, state.bytes.ToArray());
        // apply() already runs this under no_grad: nothing inside the layer is kept for backward.
        var y = layer.Forward(x, attention, out var routerLogits);
        if (routerLogits is not null) throw new NotSupportedException(MoENotSupported);
        return y;
    }

    internal const string MoENotSupported = "gradient checkpointing is not supported for MoE models (num_local_experts > 0): the router logits would carry no gradient to the aux loss; turn train.gradient_checkpointing off.";

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var layer = (LlamaDecoderLayer)ctx.get_data(LayerKey);
        var attention = (AttentionContext)ctx.get_data(ContextKey);
        var saved = ctx.get_saved_variables()[0];
        Tensor gradInput;
        using (var scope = NewDisposeScope())
        {
            // Replay the forward's random draws, then put the generator back where the rest of the step left it.
            using var after = get_rng_state();
            using (var replay = tensor((byte[])ctx.get_data(RngKey))) set_rng_state(replay);
            using var grad = enable_grad();
            var x = saved.detach().requires_grad_(true);
            var y = layer.Forward(x, attention, out _);
            set_rng_state(after);
            autograd.backward([y], [gradOutput]);
            // The recomputed graph (every activation of this layer) is freed when the scope closes.
            gradInput = x.grad!.MoveToOuterDisposeScope();
        }
        return [gradInput, null!, null!];
    }
}
