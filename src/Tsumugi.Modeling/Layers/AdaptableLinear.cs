using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>Something that adds to a projection's output (a LoRA update): gets the base output and the input.</summary>
public interface ILinearAdapter
{
    /// <summary>Returns the adapted output; may add into <paramref name="baseOutput"/> in place (it is the projection's own fresh result).</summary>
    /// <param name="baseOutput">W x + b, already computed.</param>
    /// <param name="input">x, for the adapter's own path.</param>
    /// <param name="training">The projection's mode (dropout only while training).</param>
    Tensor Adapt(Tensor baseOutput, Tensor input, bool training);
}

/// <summary>
/// nn.Linear's parameters (<c>weight</c> [out, in], optional <c>bias</c>; HF state_dict names), init and math, with one
/// slot for an adapter. The adapter is not a registered submodule: the model's state_dict stays the HF base model's
/// (adapters are saved apart, PEFT style), and with the slot empty the forward is exactly <c>linear(x, W, b)</c>.
/// TorchSharp's Linear is sealed, hence a module of our own rather than a subclass.
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;

    public AdaptableLinear(long inFeatures, long outFeatures, bool hasBias) : base(nameof(AdaptableLinear))
    {
        // PyTorch's Linear.reset_parameters: kaiming-uniform(a = √5) weight, U(±1/√in) bias.
        double bound = 1.0 / Math.Sqrt(inFeatures);
        weight = nn.Parameter(empty(outFeatures, inFeatures).uniform_(-bound, bound));
        if (hasBias) bias = nn.Parameter(empty(outFeatures).uniform_(-bound, bound));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    /// <summary>The attached adapter, or null (the plain projection).</summary>
    public ILinearAdapter? Adapter { get; set; }

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.linear(x, weight, bias);
        return Adapter is { } adapter ? adapter.Adapt(y, x, training) : y;
    }
}
