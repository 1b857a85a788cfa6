using Tsumugi.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Training.Preference;

/// <summary>
/// Tensor arithmetic for the loss formulas without temporary <see cref="TorchSharp.Scalar"/>s: constants are 0-dim
/// tensors of the loss dtype (tracked by the caller's dispose scope) and a − b / a + b pass the process-wide alpha
/// (see <see cref="StableScalars"/>: a collected temporary Scalar can fail an op mid-flight).
/// </summary>
internal sealed class LossMath(ScalarType dtype, Device device)
{
    public ScalarType DType => dtype;

    /// <summary>The loss dtype for inputs of <paramref name="policy"/>'s: fp32 unless they are fp64 (TRL computes in fp32).</summary>
    public static LossMath For(Tensor policy)
    {
        if (!policy.is_floating_point()) throw new ArgumentException($"log-probs must be floating point, not {policy.dtype}");
        return new LossMath(policy.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32, policy.device);
    }

    public Tensor C(double value) => tensor(value, dtype, device);

    public Tensor Cast(Tensor t) => t.to(dtype, device);

    public static Tensor Add(Tensor a, Tensor b) => a.add(b, StableScalars.One);

    /// <summary>a − b as a + (−1)·b: TorchSharp's sub has no alpha overload, and its operator makes a temporary one.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => a.add(b, MinusOne);

    static readonly TorchSharp.Scalar MinusOne = (-1).ToScalar();

    /// <summary>log σ(x), stable for large |x|.</summary>
    public static Tensor LogSigmoid(Tensor x) => nn.functional.logsigmoid(x);

    /// <summary>−(1 − ε)·log σ(x) − ε·log σ(−x): the label-smoothed logistic loss (cDPO, CPO, SimPO, AOT).</summary>
    public Tensor SmoothedLogistic(Tensor x, double epsilon) =>
        epsilon == 0 ? LogSigmoid(x).neg() : Sub(LogSigmoid(x).mul(C(epsilon - 1)), LogSigmoid(x.neg()).mul(C(epsilon)));

    /// <summary>
    /// log(1 − eˣ) for x &lt; 0, as ORPO's log1mexp: log1p(−eˣ) below −ln 2, log(−expm1 x) above. Each branch sees its
    /// input clamped to its own side, so the branch torch.where discards cannot put a NaN into the gradient.
    /// </summary>
    public Tensor Log1mexp(Tensor x)
    {
        var t = C(-Math.Log(2));
        var below = x.minimum(t).exp().neg().log1p();
        var above = x.maximum(t).expm1().neg().log();
        return where(x.lt(t), below, above);
    }
}
