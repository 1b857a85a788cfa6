using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// HF LlamaRMSNorm: normalise in fp32, cast back to the input dtype, then scale by the weight. With
/// <c>addsOne</c>, HF Gemma2RMSNorm instead: scale by (1 + weight) still in fp32, then cast (the weight starts at 0).
/// </summary>
public sealed class RMSNorm : nn.Module<Tensor, Tensor>
{
    // Field names are state_dict keys (TorchSharp's RegisterComponents), so they follow HF's snake_case names.
    readonly Parameter weight;
    readonly bool _addsOne;

    /// <summary>A field, not a double: a temporary Scalar could be freed by the finalizer mid-op (see <see cref="StableScalars"/>).</summary>
    readonly Scalar _eps;

    public RMSNorm(long size, double eps, bool addsOne = false) : base(nameof(RMSNorm))
    {
        weight = nn.Parameter(addsOne ? zeros(size) : ones(size));
        _addsOne = addsOne;
        _eps = eps.ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var dtype = x.dtype;
        var h = x.to_type(ScalarType.Float32);
        h = h * rsqrt(h.pow(StableScalars.Two).mean([-1], keepdim: true).add(_eps, StableScalars.One));
        var y = _addsOne
            ? (h * weight.to_type(ScalarType.Float32).add(StableScalars.One, StableScalars.One)).to_type(dtype)
            : weight * h.to_type(dtype);
        return y.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _eps.Dispose();
        base.Dispose(disposing);
    }
}
