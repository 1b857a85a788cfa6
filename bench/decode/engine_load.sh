#!/usr/bin/env bash
# What the native engine adds to a command's start (issue 25): `tsumugi generate --max-tokens 1` on the 125m preset (f32,
# random init, a 32k tokenizer on ../shared/corpus) with --engine native (the weights packed for the engine) and with
# --engine torch (no engine), alternating; whole process, medians. The difference is the engine's load: reading the
# weights out of the torch model and packing them (f32: a copy onto huge pages where Linux gives them).
# Usage: bench/decode/engine_load.sh [ROUNDS=5]   TSUMUGI=/path/to/tsumugi …   BEFORE=/path/to/older/tsumugi … (also measured)
source "$(dirname "$0")/../lib.sh"
rounds="${1:-5}"
bench_init engine-load
[ -f data/ja.txt ] || python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.model ] || "$T" tokenizer train --input data/ja.txt --output tok --vocab-size 32000 --threads 2 >/dev/null
[ -f m125/config.json ] || "$T" model init --preset 125m --tokenizer tok --output m125 --seed 1 >/dev/null
run() { measure "$1" "$2" generate --model m125 --prompt "東京は" --max-tokens 1 --temperature 0 --engine "$3"; }
echo "start: $(uptime)"
for r in $(seq "$rounds"); do
  run torch "$T" torch
  run native "$T" native
  [ -z "${BEFORE:-}" ] || run before-native "$BEFORE" native
done
echo "end: $(uptime)"
python3 - "$results" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, rss, cpu, load = line.split("\t")[:5]
    rows[name].append((float(wall), int(rss) / 1024, float(cpu)))
med = lambda name, i: statistics.median(r[i] for r in rows[name])
print("| `generate --max-tokens 1 --engine …` | median wall | median CPU | peak RSS |\n|---|---|---|---|")
for name in rows: print(f"| {name} | {med(name, 0):.2f} s | {med(name, 2):.2f} s | {max(r[1] for r in rows[name]):.0f} MB |")
for name in (n for n in rows if n != "torch"):
    print(f"{name}: the engine's load {med(name, 0) - med('torch', 0):.2f} s wall over torch's (median of "
          f"{statistics.median(a[0] - b[0] for a, b in zip(rows[name], rows['torch'])):.2f} s per round)")
PY
