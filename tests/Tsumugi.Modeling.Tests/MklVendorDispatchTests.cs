using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>oneMKL's AVX-512 kernels on non-Intel AVX-512 CPUs (issue 25): applied where it should be, and still right.</summary>
public class MklVendorDispatchTests
{
    [Fact]
    public void BypassesTheVendorCheckExactlyWhereItHelps()
    {
        var status = MklVendorDispatch.Status;
        var cpuid = X86Base.IsSupported ? X86Base.CpuId(0, 0) : default;
        bool intel = cpuid.Ebx == 0x756E6547 && cpuid.Edx == 0x49656E69;
        bool applies = OperatingSystem.IsLinux() && Avx512F.IsSupported && !intel
            && Environment.GetEnvironmentVariable("TSUMUGI_MKL_VENDOR_CHECK") != "keep";
        // A libtorch upgrade that moves or reshapes mkl_serv_intel_cpu_true turns this red instead of halving training speed quietly.
        Assert.True(applies == MklVendorDispatch.Bypassed, $"expected bypass {applies}, oneMKL: {status}");
        Assert.False(string.IsNullOrWhiteSpace(status));
    }

    /// <summary>The shapes training runs: square, LoRA's rank-8 factors, one-row decode, transposed operands (backward).</summary>
    [Theory]
    [InlineData(384, 512, 256, false, false)]
    [InlineData(512, 64, 8, false, true)]
    [InlineData(512, 8, 64, false, false)]
    [InlineData(8, 512, 64, true, false)]
    [InlineData(1, 256, 1000, false, true)]
    [InlineData(257, 129, 65, true, true)]
    public void MatmulOnTheDispatchedKernelsMatchesADoublePrecisionReference(int m, int k, int n, bool transposeA, bool transposeB)
    {
        MklVendorDispatch.Apply();
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(7);
        var a = transposeA ? randn([k, m], generator: generator).t() : randn([m, k], generator: generator);
        var b = transposeB ? randn([n, k], generator: generator).t() : randn([k, n], generator: generator);
        var reference = mm(a.to(ScalarType.Float64), b.to(ScalarType.Float64));
        var error = (mm(a, b).to(ScalarType.Float64) - reference).abs().max().item<double>();
        Assert.True(error < 1e-3, $"fp32 GEMM off by {error} from the float64 product (oneMKL: {MklVendorDispatch.Status})");
    }
}
