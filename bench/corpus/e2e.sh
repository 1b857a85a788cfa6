#!/usr/bin/env bash
# Whole-process comparison: `tsumugi corpus clean` vs HojiChar, same filter chain, same JSONL, 1 worker, as users run
# them (process start-up, JSON reading and writing included), then the default Japanese pipeline in MB/s per core.
#   HOJICHAR_SRC=/path/to/HojiChar-checkout bench/corpus/e2e.sh           (ROUNDS=3, SCALE=30 → ~118 MB by default)
# HojiChar: fetched as bench/corpus/run.sh does (git archive of github:HojiChar/HojiChar, not committed), run by
# /usr/bin/python3 with numpy, tqdm and emoji (Debian: apt-get install python3-numpy python3-tqdm python3-emoji), two ways:
#   hojichar-cli   its own CLI, `python3 -m hojichar.cli -p bench/corpus/hojichar_profile.py -j 1` (how its README runs it)
#   hojichar-lean  bench/corpus/hojichar_e2e.py: the same chain in one process, no multiprocessing pool (the stricter anchor)
# Tsumugi: `tsumugi corpus clean --config <the chain> --input one.jsonl --workers 1` (TSUMUGI=path picks another build).
# Rounds alternate the three; every run is timed by /usr/bin/time (wall, user+sys of the process and its children) with
# the 1-minute load average before it. Medians, ratios (HojiChar / Tsumugi) for CPU and wall, then keep/reject agreement
# per document id (from the timed runs' outputs), then the default pipeline (routing, filters, quality, MinHash, zstd
# shards) on the same JSONL and on HTML (CORES_INPUT, 10 copies of the corpus) in MB/s per core = input MB / CPU s.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus/ja}
W=${W:-/tmp/tsumugi-bench-e2e}
ART=${ART:-/tmp/art-corpus}
ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-30}
PY=${PY:-/usr/bin/python3}
HOJI=${HOJICHAR_SRC:?set HOJICHAR_SRC to a HojiChar checkout (see bench/corpus/run.sh)}
HTML_INPUT=${HTML_INPUT:-/tmp/corpus10}   # 10 copies of $CORPUS (created when absent): ~141 MB of HTML
SKIP_DEFAULT=${SKIP_DEFAULT:-0}
mkdir -p "$W"
if [ -z "${TSUMUGI:-}" ]; then
  dotnet build "$ROOT/src/Tsumugi.Cli" -c Release --artifacts-path "$ART" -v q -nologo >/dev/null
  TSUMUGI="$ART/bin/Tsumugi.Cli/release/tsumugi"
fi
T=$TSUMUGI
export PYTHONPATH="$HOJI:$ROOT/bench/corpus"

# The input: the corpus's pages as extracted text (same documents for both tools), with ids, repeated SCALE times.
IN="$W/ja-x$SCALE.jsonl"
if [ ! -s "$IN" ]; then
  rm -rf "$W/extract"
  "$T" corpus clean --config "$ROOT/bench/corpus/extract.yaml" --input "$CORPUS" --output "$W/extract" --workers 2 >/dev/null
  zstdcat "$W"/extract/shard-*.jsonl.zst | $PY -c "
import json,sys
docs=[json.loads(l)['text'] for l in sys.stdin]
for k in range($SCALE):
    for i,t in enumerate(docs): print(json.dumps({'id':f'd{k:03d}-{i:05d}','text':t},ensure_ascii=False))" > "$IN"
fi
BYTES=$(stat -c %s "$IN")
sed "s#ADS_DICT#$HOJI/hojichar/dict/advertisement_keywords_ja.txt#" "$ROOT/bench/corpus/hojichar-chain.yaml" | grep -v MINHASH_STEP > "$W/chain.yaml"
echo "== input: $IN, $(wc -l < "$IN") documents, $BYTES bytes; $(nproc) cpus; tsumugi: $T; HojiChar: $(git -C "$HOJI" rev-parse --short HEAD 2>/dev/null || echo "$HOJI")"
: > "$W/results.txt"

timed() {  # NAME COMMAND...: runs it under /usr/bin/time, appends "NAME wall cpu load" to results.txt
  local name=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -o "$W/time.txt" -f "%e %U %S" "$@" >/dev/null 2>"$W/$name.err" || { cat "$W/$name.err" >&2; exit 1; }
  read -r wall user sys < "$W/time.txt"
  echo "$name wall=$wall cpu=$($PY -c "print(round($user+$sys,3))") load=$load" | tee -a "$W/results.txt"
}

echo "== same chain, whole process, 1 worker, alternating"
for r in $(seq "$ROUNDS"); do
  rm -rf "$W/ts"
  timed tsumugi "$T" corpus clean --config "$W/chain.yaml" --input "$IN" --output "$W/ts" --workers 1
  timed hojichar-cli $PY -m hojichar.cli -p "$ROOT/bench/corpus/hojichar_profile.py" -i "$IN" -o "$W/hoji-cli.jsonl" -j 1
  timed hojichar-lean $PY "$ROOT/bench/corpus/hojichar_e2e.py" "$IN" "$W/hoji-lean.jsonl"
done

echo "== keep/reject agreement per document (the last round's outputs)"
zstdcat "$W"/ts/shard-*.jsonl.zst > "$W/ts-kept.jsonl"
$PY - "$IN" "$W/ts-kept.jsonl" "$W/hoji-cli.jsonl" "$W/hoji-lean.jsonl" "$W/ts/summary.json" <<'PYEOF' | tee -a "$W/results.txt"
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
ts = {json.loads(l)["id"] for l in open(sys.argv[2], encoding="utf-8")}
cli = {json.loads(l)["extras"]["id"] for l in open(sys.argv[3], encoding="utf-8")}
lean = {json.loads(l)["id"] for l in open(sys.argv[4], encoding="utf-8")}
errored = json.load(open(sys.argv[5]))["docs_errored"]
for name, h in (("hojichar-cli", cli), ("hojichar-lean", lean)):
    same = sum((i in ts) == (i in h) for i in ids)
    print(f"agreement {name}: {same}/{len(ids)} = {100 * same / len(ids):.2f}% (tsumugi keeps {len(ts)}, {name} keeps {len(h)}, tsumugi errored {errored})")
    for i in [i for i in ids if (i in ts) != (i in h)][:10]: print(f"  differs: {i} tsumugi {'keep' if i in ts else 'reject'}")
PYEOF

if [ "$SKIP_DEFAULT" != 1 ]; then
  if [ ! -d "$HTML_INPUT" ]; then
    mkdir -p "$HTML_INPUT"; for k in 0 1 2 3 4 5 6 7 8 9; do cp -r "$CORPUS" "$HTML_INPUT/c$k"; done
  fi
  echo "== default Japanese pipeline (route, filters, quality, MinHash, zstd shards), whole process, 1 worker"
  for r in $(seq "$ROUNDS"); do
    rm -rf "$W/def"; timed default-jsonl "$T" corpus clean --input "$IN" --output "$W/def" --workers 1
    rm -rf "$W/def"; timed default-html "$T" corpus clean --input "$HTML_INPUT" --output "$W/def" --workers 1
    grep -o '"bytes_in": [0-9]*' "$W/def/summary.json" | tr -dc 0-9 > "$W/html-bytes.txt"
  done
fi

echo "== medians"
$PY - "$W/results.txt" "$BYTES" "$(cat "$W/html-bytes.txt" 2>/dev/null || echo 0)" <<'PYEOF'
import re, statistics, sys, collections
runs = collections.defaultdict(list)
for l in open(sys.argv[1]):
    m = re.match(r"(\S+) wall=(\S+) cpu=(\S+) load=(\S+)", l)
    if m: runs[m[1]].append(tuple(float(x) for x in m.groups()[1:]))
med = {k: [statistics.median(c) for c in zip(*v)] for k, v in runs.items()}
mb, html_mb = int(sys.argv[2]) / 1e6, int(sys.argv[3]) / 1e6
print(f"| tool ({mb:.1f} MB JSONL, 1 worker, whole process) | rounds: wall s (CPU s) | median wall s | median CPU s | MB per CPU s | HojiChar / Tsumugi wall | HojiChar / Tsumugi CPU | load before |")
print("|---|---|---|---|---|---|---|---|")
t = med.get("tsumugi")
for k in ("tsumugi", "hojichar-cli", "hojichar-lean"):
    if k not in med: continue
    w, c, load = med[k]
    rounds = ", ".join(f"{a:.2f} ({b:.2f})" for a, b, _ in runs[k])
    ratio = (f"**{w / t[0]:.1f}×** | **{c / t[1]:.1f}×**" if k != "tsumugi" else "1 | 1")
    print(f"| {k} | {rounds} | {w:.2f} | {c:.2f} | {mb / c:.1f} | {ratio} | {load:.1f} |")
for k, size in (("default-jsonl", mb), ("default-html", html_mb)):
    if k in med and size > 0:
        w, c, load = med[k]
        print(f"| {k} ({size:.1f} MB) | " + ", ".join(f"{a:.2f} ({b:.2f})" for a, b, _ in runs[k]) +
              f" | {w:.2f} | {c:.2f} | **{size / c:.1f} MB/s per core** ({size / w:.1f} MB/s wall) | | | {load:.1f} |")
PYEOF
