using TorchSharp.Modules;
using Tsumugi.Modeling.Layers;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Adapters;

/// <summary>
/// The LoRA update of one projection: y = W x + b + s·B(A(dropout(x))), A [r, in], B [out, r] (PEFT's math,
/// reference/post-training.md §5.1). Created in the base weight's dtype and device.
/// </summary>
public sealed class LoraLayer : ILinearAdapter, IDisposable
{
    /// <param name="generator">Initialises A and B (on the CPU, so a seed gives the same adapter on every device); null leaves them zero for a load.</param>
    internal LoraLayer(string modulePath, AdaptableLinear target, int rank, double alpha, double scale, double dropout, LoraInit init, Generator? generator)
    {
        ModulePath = modulePath;
        Target = target;
        Rank = rank;
        Alpha = alpha;
        Scale = scale;
        Dropout = dropout;
        using var a = zeros(rank, target.InFeatures);
        using var b = zeros(target.OutFeatures, rank);
        if (generator is not null) Initialize(a, b, init, generator);
        var like = target.Weight;
        A = new Parameter(a.to(like.dtype, like.device));
        B = new Parameter(b.to(like.dtype, like.device));
    }

    /// <summary>The projection's path in the model, e.g. <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public string ModulePath { get; }
    public AdaptableLinear Target { get; }
    public int Rank { get; }
    public double Alpha { get; }

    /// <summary>s = alpha / r, or alpha / √r with rsLoRA.</summary>
    public double Scale { get; }
    public double Dropout { get; }

    /// <summary>lora_A [r, in].</summary>
    public Parameter A { get; }

    /// <summary>lora_B [out, r].</summary>
    public Parameter B { get; }

    /// <summary>PEFT's init: A kaiming-uniform(a = √5) = U(±1/√in), B zeros; gaussian A ~ N(0, 1/r); random B like A.</summary>
    static void Initialize(Tensor a, Tensor b, LoraInit init, Generator generator)
    {
        long rank = a.shape[0], inFeatures = a.shape[1];
        if (init == LoraInit.Gaussian) a.normal_(0, 1.0 / rank, generator);
        else a.uniform_(-1.0 / Math.Sqrt(inFeatures), 1.0 / Math.Sqrt(inFeatures), generator);
        if (init == LoraInit.Random) b.uniform_(-1.0 / Math.Sqrt(rank), 1.0 / Math.Sqrt(rank), generator);
    }

    public Tensor Adapt(Tensor baseOutput, Tensor input, bool training)
    {
        var x = input.dtype == A.dtype ? input : input.to_type(A.dtype);
        if (training && Dropout > 0) x = nn.functional.dropout(x, Dropout, training: true);
        var update = nn.functional.linear(nn.functional.linear(x, A), B);
        if (update.dtype != baseOutput.dtype) update = update.to_type(baseOutput.dtype);
        return baseOutput.add(update, Scale);
    }

    /// <summary>s·B·A [out, in] in fp32 (what <see cref="LoraAdapter.Merge"/> adds to W), detached.</summary>
    public Tensor DeltaWeight()
    {
        using var noGrad = no_grad();
        return B.detach().to_type(ScalarType.Float32).matmul(A.detach().to_type(ScalarType.Float32)).mul_(Scale);
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
