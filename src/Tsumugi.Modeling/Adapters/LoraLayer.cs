using TorchSharp;
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
        _scale = scale.ToScalar();
        // nn.functional.dropout's factor as libtorch computes it in fp32 (1 / (1 - p) in float), so kept inputs match it bit for bit.
        _keepScale = ((double)(1f / (float)(1 - dropout))).ToScalar();
    }

    // Held for the layer's life: a temporary Scalar can be freed by the finalizer mid-op (see StableScalars).
    readonly Scalar _scale, _keepScale;

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

    /// <summary>While true (<see cref="LoraAdapter.Bypass"/>), the projection computes only its frozen base path.</summary>
    internal bool Bypassed { get; set; }

    /// <summary>
    /// Adds s·B(A(dropout(x))) to <paramref name="baseOutput"/> in place and returns it. Every intermediate is freed here
    /// rather than at the end of the training step's dispose scope: autograd keeps only what the backward needs (x·A
    /// [.., r] for B's gradient, the dropped input and a 1-byte keep mask when dropout is on), so the update and the
    /// cast/dropout copies do not stay resident through the whole forward and backward.
    /// </summary>
    public Tensor Adapt(Tensor baseOutput, Tensor input, bool training)
    {
        if (Bypassed) return baseOutput;
        using var scope = NewDisposeScope();
        var x = input.dtype == A.dtype ? input : input.to_type(A.dtype);
        if (training && Dropout > 0) x = DropInput(x);
        var update = nn.functional.linear(nn.functional.linear(x, A), B);
        if (update.dtype != baseOutput.dtype) update = update.to_type(baseOutput.dtype);
        // In place: the base output's producer (linear) does not save its result for backward, so this is safe, and the
        // sum needs no third [.., out] tensor.
        return baseOutput.add_(update, _scale);
    }

    /// <summary>
    /// Inverted dropout as nn.functional.dropout computes it — the same Bernoulli draw (a float tensor of x's shape, so a
    /// seed drops the same elements) and the same fp32 factor — but what autograd saves is a bool mask (1 byte per
    /// element) instead of the float noise tensor (4 bytes): x·keep saves only the mask, the scaling saves nothing.
    /// </summary>
    Tensor DropInput(Tensor x)
    {
        Tensor keep;
        using (var noise = empty_like(x).bernoulli_(1 - Dropout)) keep = noise.to_type(ScalarType.Bool);
        using (keep) return x.mul(keep).mul_(_keepScale);
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
        _scale.Dispose();
        _keepScale.Dispose();
    }
}
