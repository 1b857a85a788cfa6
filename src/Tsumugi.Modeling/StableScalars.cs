using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// Scalars that stay alive for the whole process, for tensor ops on every model path. A .NET number passed to a
/// TorchSharp op (<c>h.pow(2)</c>, <c>h + eps</c>, and the <c>alpha = 1</c> TorchSharp itself passes inside
/// <c>a + b</c>) becomes a temporary <see cref="Scalar"/> that nothing references once its native handle has been
/// read. If a garbage collection runs while the op is still in native code — started by any other thread, e.g. a
/// server's HTTP threads — the finalizer thread frees the c10::Scalar under the op, which then fails with "Unknown
/// scalar type" or "Expected false to be true" (issue 16; TorchSharp PRs #1434/#1496 are about the same temporaries).
/// A Scalar held by a static (here) or by a module field is never collected, and one in a <c>using</c> stays alive
/// until its block ends; model code passes only such Scalars to ops.
/// </summary>
public static class StableScalars
{
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary><c>a + b</c>, with a long-lived alpha instead of the temporary TorchSharp's operator creates.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);
}
