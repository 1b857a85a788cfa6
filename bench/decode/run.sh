#!/usr/bin/env bash
# Decode speed vs llama.cpp (issues 7 and 25): single stream, greedy, one thread each, the 125m preset; Tsumugi's native
# engine with f16 and Q8_0 weights against llama.cpp on the same model's f16 and q8_0 GGUF exports.
# Usage: bench/decode/run.sh [ROUNDS=5] [TOKENS=64] [WORK=/tmp/tsumugi-decode-bench] [extra args, e.g. --torch]
# Needs: scripts/install-test-deps.sh (node-llama-cpp in .build/npm) and ../shared/corpus. Builds, in WORK: a 32k
# Unigram tokenizer on ~4 MB of the Japanese corpus, `model init --preset 125m` (f32, random init), its f16 and q8_0
# GGUF exports; then bench/decode/Program.cs alternates Tsumugi and llama.cpp rounds and prints medians (markdown).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-5}"; tokens="${2:-64}"; work="${3:-/tmp/tsumugi-decode-bench}"
shift $(( $# < 3 ? $# : 3 ))
mkdir -p "$work"
cd "$root"
dotnet build src/Tsumugi.Cli -c Release --nologo -v q >/dev/null
dotnet build bench/decode -c Release --nologo -v q >/dev/null
tsumugi="$root/src/Tsumugi.Cli/bin/Release/net10.0/tsumugi"
if [ ! -f "$work/m125/config.json" ]; then
  find ../shared/corpus/ja -name '*.html' | sort | head -400 | xargs cat | sed -e 's/<[^>]*>/\n/g' | awk 'length($0) >= 8' > "$work/ja.txt"
  "$tsumugi" tokenizer train --input "$work/ja.txt" --output "$work/tok" --vocab-size 32000 --threads 2
  "$tsumugi" model init --preset 125m --tokenizer "$work/tok" --output "$work/m125" --seed 1
  head -c 20000 "$work/ja.txt" > "$work/prompt.txt"
fi
for type in f16 q8_0; do
  [ -f "$work/m125-$type.gguf" ] || "$tsumugi" export gguf --model "$work/m125" --output "$work/m125-$type.gguf" --type "$type"
done
nproc; uptime
dotnet bench/decode/bin/Release/net10.0/Tsumugi.Decode.Bench.dll --model "$work/m125" --text "$work/prompt.txt" \
  --gguf "f16=$work/m125-f16.gguf" --gguf "q8_0=$work/m125-q8_0.gguf" --rounds "$rounds" --tokens "$tokens" --contexts 64,1024 "$@"
