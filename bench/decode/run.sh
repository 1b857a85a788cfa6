#!/usr/bin/env bash
# Decode speed vs llama.cpp (issue 7): single stream, greedy, one thread each, the 125m preset.
# Usage: bench/decode/run.sh [ROUNDS=5] [TOKENS=64] [WORK=/tmp/tsumugi-decode-bench]
# Needs: scripts/install-test-deps.sh (node-llama-cpp in .build/npm) and ../shared/corpus. Builds, in WORK: a 32k
# Unigram tokenizer on ~4 MB of the Japanese corpus, `model init --preset 125m` (f32, random init), its f16 and f32
# GGUF exports; then bench/decode/Program.cs alternates Tsumugi and llama.cpp rounds and prints medians (markdown).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-5}"; tokens="${2:-64}"; work="${3:-/tmp/tsumugi-decode-bench}"
mkdir -p "$work"
cd "$root"
dotnet build src/Tsumugi.Cli -c Release --nologo -v q >/dev/null
dotnet build bench/decode -c Release --nologo -v q >/dev/null
tsumugi="$root/src/Tsumugi.Cli/bin/Release/net10.0/tsumugi"
if [ ! -f "$work/m125/model.safetensors" ] && [ ! -f "$work/m125/config.json" ]; then
  find ../shared/corpus/ja -name '*.html' | sort | head -400 | xargs cat | sed -e 's/<[^>]*>/\n/g' | awk 'length($0) >= 8' > "$work/ja.txt"
  "$tsumugi" tokenizer train --input "$work/ja.txt" --output "$work/tok" --vocab-size 32000 --threads 2
  "$tsumugi" model init --preset 125m --tokenizer "$work/tok" --output "$work/m125" --seed 1
  "$tsumugi" export gguf --model "$work/m125" --output "$work/m125-f16.gguf" --type f16
  "$tsumugi" export gguf --model "$work/m125" --output "$work/m125-f32.gguf" --type f32
  head -c 20000 "$work/ja.txt" > "$work/prompt.txt"
fi
nproc; uptime
dotnet bench/decode/bin/Release/net10.0/Tsumugi.Decode.Bench.dll --model "$work/m125" --text "$work/prompt.txt" \
  --gguf "$work/m125-f16.gguf" --gguf "$work/m125-f32.gguf" --rounds "$rounds" --tokens "$tokens" --contexts 64,1024
