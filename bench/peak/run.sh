#!/usr/bin/env bash
# The hardware limits issue 25 measures Tsumugi against, on this machine: fp32 FMA peak (1 thread and all), one
# thread's copy bandwidth, and libtorch's fp32 GEMM at 512/1024/2048 (1 thread and all) — best of ROUNDS rounds each.
# MFU in docs/BENCHMARKS.md is against libtorch's GEMM; this says how far that is from the FMA peak, then reruns the
# GEMM with oneMKL's instruction-dispatch variables set.
# Usage: bench/peak/run.sh   (ROUNDS=3)
source "$(dirname "$0")/../lib.sh"
ROUNDS=${ROUNDS:-3}
bench_init peak
dotnet build "$root/bench/peak" -c Release --artifacts-path "$work/art" -v q -nologo >/dev/null
probe="$work/art/bin/Tsumugi.Peak.Bench/release/Tsumugi.Peak.Bench.dll"
dotnet "$probe" "$ROUNDS"
# libtorch links oneMKL statically; do MKL's own dispatch variables move its GEMM to the AVX-512 path on this CPU?
for variable in MKL_ENABLE_INSTRUCTIONS=AVX512 MKL_DEBUG_CPU_TYPE=5; do
  echo "== with $variable"
  env "$variable" dotnet "$probe" "$ROUNDS" gemm | grep libtorch
done
