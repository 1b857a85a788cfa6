using System.Runtime.CompilerServices;
using Tsumugi.Modeling;

namespace Tsumugi.Training.Tests;

/// <summary>
/// oneMKL fixes its kernels at its first GEMM, so the vendor check must be answered before any test's matmul — also
/// those that never build a LlamaForCausalLM — or runs in this process and in a CLI child would differ in the last bits.
/// </summary>
static class MklDispatchFirst
{
#pragma warning disable CA2255 // a test assembly's process-wide setting, applied before any test runs
    [ModuleInitializer]
    internal static void Apply() => MklVendorDispatch.Apply();
#pragma warning restore CA2255
}
