#!/usr/bin/env bash
# Continuous batching over HTTP (issue 25): aggregate completion tokens/s of 1, 8 and 16 concurrent /v1/completions
# requests against `tsumugi serve` (the native engine by default), rounds alternating, medians, ratio to one stream.
# Usage: bench/decode/serve-concurrency.sh [ROUNDS=3] [MAX_TOKENS=64] [WORK=/tmp/tsumugi-decode-bench] [serve args, e.g. --weights q8_0]
# Needs the 125m model that bench/decode/run.sh builds in WORK, node (for the client) and a built CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-3}"; max_tokens="${2:-64}"; work="${3:-/tmp/tsumugi-decode-bench}"
shift $(( $# < 3 ? $# : 3 ))
tsumugi="${TSUMUGI:-$root/src/Tsumugi.Cli/bin/Release/net10.0/tsumugi}"
[ -f "$work/m125/config.json" ] || { echo "no model in $work/m125: run bench/decode/run.sh first" >&2; exit 1; }
port=$(( 20000 + RANDOM % 20000 ))
log="$work/serve-$port.log"
"$tsumugi" serve --model "$work/m125" --port "$port" --max-batch 16 --max-queue 64 "$@" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q "Serving" "$log" && break; sleep 1; done
grep "Serving" "$log" >&2 || { cat "$log" >&2; exit 1; }
base="http://127.0.0.1:$port"
node "$root/bench/decode/serve-load.mjs" "$base" 2 8 "$work/prompt.txt" m125 > /dev/null # warm-up
declare -A rates
cpu0=$(awk '{print $14 + $15}' "/proc/$server/stat")
for round in $(seq 1 "$rounds"); do
  for n in 1 8 16; do
    r=$(node "$root/bench/decode/serve-load.mjs" "$base" "$n" "$max_tokens" "$work/prompt.txt" m125)
    rate=$(node -e "const r=$r; console.log((r.tokens/r.seconds).toFixed(1))")
    rates[$n]="${rates[$n]:-} $rate"
    echo "round $round: $n stream(s) $rate tokens/s ($r); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  done
done
cpu=$(( $(awk '{print $14 + $15}' "/proc/$server/stat") - cpu0 ))
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
one=$(echo "${rates[1]}" | median)
echo "Load average $(cut -d' ' -f1-3 /proc/loadavg); server CPU over all rounds $(( cpu / $(getconf CLK_TCK) )) s; medians of $rounds rounds; serve args: ${*:-(defaults)}"
echo
echo "| streams | aggregate tokens/s | × one stream |"
echo "|---|---|---|"
for n in 1 8 16; do
  m=$(echo "${rates[$n]}" | median)
  echo "| $n | $m | $(node -e "console.log(($m/$one).toFixed(2))")× |"
done
