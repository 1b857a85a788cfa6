#!/usr/bin/env bash
# The hardware limits issue 25 measures Tsumugi against, on this machine: fp32 FMA peak (1 thread and all), one
# thread's copy bandwidth, and libtorch's fp32 GEMM at 512/1024/2048 (1 thread and all) — best of ROUNDS rounds each.
# MFU in docs/BENCHMARKS.md is against libtorch's GEMM; this says how far that is from the FMA peak, then reruns the
# GEMM with oneMKL's vendor check kept (TSUMUGI_MKL_VENDOR_CHECK=keep).
# Usage: bench/peak/run.sh   (ROUNDS=3)
source "$(dirname "$0")/../lib.sh"
ROUNDS=${ROUNDS:-3}
bench_init peak
dotnet build "$root/bench/peak" -c Release --artifacts-path "$work/art" -v q -nologo >/dev/null
probe="$work/art/bin/Tsumugi.Peak.Bench/release/Tsumugi.Peak.Bench.dll"
dotnet "$probe" "$ROUNDS"
# libtorch links oneMKL statically; the probe's GEMM runs after MklVendorDispatch (AVX-512 kernels on this AMD CPU).
# The same GEMM with oneMKL's vendor check kept (the AVX2 path libtorch takes on its own):
echo "== with TSUMUGI_MKL_VENDOR_CHECK=keep"
TSUMUGI_MKL_VENDOR_CHECK=keep dotnet "$probe" "$ROUNDS" gemm | grep -E "libtorch|oneMKL"
