using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// Lets oneMKL run its AVX-512 GEMM kernels on non-Intel CPUs that have AVX-512 (AMD Zen 4 and later).
/// <para>
/// libtorch links oneMKL statically and routes every fp32 matmul through it. oneMKL chooses its kernels by CPU
/// vendor first: on an AMD CPU it takes the AVX2 path whatever the CPU supports, and its old override
/// (<c>MKL_DEBUG_CPU_TYPE</c>) is gone; <c>MKL_ENABLE_INSTRUCTIONS</c> only lowers the level. On this project's
/// 2-core AMD EPYC that held <c>torch.mm</c> at ~40 % of the measured FMA peak (bench/peak/run.sh); with the vendor
/// check answered "Intel" it reaches ~85 %. Past the vendor check oneMKL still dispatches on the CPUID feature bits,
/// so a CPU without AVX-512 keeps its AVX2 kernels.
/// </para>
/// <para>
/// The check is <c>mkl_serv_intel_cpu_true</c>, an exported function that caches its answer in a static int
/// (-1 until first asked). Rather than patch code, this writes 1 into that cache before oneMKL's first call: the
/// function's first instruction is <c>mov eax, [rip + disp32]</c> (bytes <c>8B 05</c>), which names the cache's
/// address. If the bytes are not the expected ones (another libtorch build), nothing is written and
/// <see cref="Status"/> says so. <c>TSUMUGI_MKL_VENDOR_CHECK=keep</c> turns this off, for comparison.
/// </para>
/// Numerics: the AVX-512 kernels sum in another order than the AVX2 ones, so results differ in the last bits from a
/// process that keeps the check; within one setting they are as deterministic as before (bit-exact resume holds).
/// </summary>
public static class MklVendorDispatch
{
    const string SwitchVariable = "TSUMUGI_MKL_VENDOR_CHECK";
    static readonly object Gate = new();
    static string? Outcome;

    /// <summary>What <see cref="Apply"/> did, for logs: "AVX-512 path enabled", "not needed (Intel CPU)", …</summary>
    public static string Status { get { Apply(); return Outcome!; } }

    /// <summary>True when oneMKL's vendor check now answers "Intel" on this non-Intel CPU.</summary>
    public static bool Bypassed { get { Apply(); return Patched; } }
    static bool Patched;

    /// <summary>Call before the first matmul (LlamaForCausalLM's static constructor does); later calls do nothing.</summary>
    public static void Apply()
    {
        lock (Gate)
        {
            if (Outcome is not null) return;
            try { Outcome = Bypass(); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or AccessViolationException or BadImageFormatException)
            {
                Outcome = $"unchanged ({e.GetType().Name})";
            }
        }
    }

    static string Bypass()
    {
        if (Environment.GetEnvironmentVariable(SwitchVariable) == "keep") return $"unchanged ({SwitchVariable}=keep)";
        if (!X86Base.IsSupported || !OperatingSystem.IsLinux()) return "unchanged (not x86-64 Linux)";
        if (IsGenuineIntel()) return "not needed (Intel CPU)";
        if (!Avx512F.IsSupported) return "unchanged (no AVX-512: oneMKL's AVX2 path is the best this CPU has)";
        _ = get_num_threads(); // loads libtorch, so the soname below resolves to the copy TorchSharp uses
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", out var library)) return "unchanged (libtorch_cpu.so not loaded: a CUDA or custom build)";
        if (!NativeLibrary.TryGetExport(library, "mkl_serv_intel_cpu_true", out var check)) return "unchanged (this libtorch has no mkl_serv_intel_cpu_true)";
        // mov eax,[rip+disp32] ; test eax,eax ; js compute — the cached answer, read before anything else.
        ReadOnlySpan<byte> expected = [0x8B, 0x05, 0, 0, 0, 0, 0x85, 0xC0, 0x78];
        for (int i = 0; i < expected.Length; i++)
            if (i is < 2 or > 5 && Marshal.ReadByte(check, i) != expected[i])
                return "unchanged (unrecognised oneMKL build: its vendor check is not the expected code)";
        var cache = check + 6 + Marshal.ReadInt32(check, 2);
        Marshal.WriteInt32(cache, 1);
        Patched = true;
        return "AVX-512 path enabled (oneMKL's vendor check bypassed on this non-Intel CPU)";
    }

    static bool IsGenuineIntel()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return ebx == 0x756E6547 && edx == 0x49656E69 && ecx == 0x6C65746E; // "Genu" "ineI" "ntel"
    }
}
