#!/usr/bin/env bash
# Corpus benchmark: Tsumugi vs HojiChar on ../shared/corpus/ja, alternating rounds, medians and ratios.
#   HOJICHAR_SRC=/path/to/HojiChar-checkout bench/corpus/run.sh        (ROUNDS=3 by default)
# Every figure is printed with wall seconds and CPU seconds (user+sys of the process, or of the timed loop): on a
# shared machine the CPU seconds show the work done, the wall seconds what the other processes left of the cores.
# HojiChar needs python3 with numpy, tqdm and emoji (Debian: apt-get install python3-numpy python3-tqdm python3-emoji).
# Without HOJICHAR_SRC only the Tsumugi figures are measured.
# Whole-process comparison with HojiChar (its CLI and a lean single process, ~118 MB of JSONL): bench/corpus/e2e.sh.
# CORES=1 bench/corpus/run.sh: only the scaling check (1 core vs 2 cores, and 1 vs 2 workers unpinned), ROUNDS rounds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus/ja}
W=${W:-/tmp/tsumugi-bench-corpus}
ART=${ART:-/tmp/art-corpus}
ROUNDS=${ROUNDS:-3}
PY=${PY:-/usr/bin/python3}
HOJI=${HOJICHAR_SRC:-}
SCALE=${SCALE:-1}          # repeat the extracted documents SCALE times, so fixed start-up costs are amortised
SKIP_E2E=${SKIP_E2E:-0}
CORES=${CORES:-0}          # CORES=1: only the cores scaling section (1 core + 1 worker vs 2 cores + 2 workers), then exit
CORES_INPUT=${CORES_INPUT:-/tmp/corpus10}   # 10 copies of $CORPUS (created when absent): 141 MB of HTML, 16 shards
CORES_DIAG=${CORES_DIAG:-1}   # 0: skip the in-process GC/JIT/thread breakdown after the rounds
SKIP_BUILD=${SKIP_BUILD:-0}   # 1: use the binaries already in $ART (a build, even a no-op one, loads the machine)
CORES_ENV=${CORES_ENV:-}   # e.g. CORES_ENV="DOTNET_TieredPGO=0": runtime settings for the cores runs (env VAR=VALUE ...)
rm -rf "$W"; mkdir -p "$W"
[ "$SKIP_BUILD" = 1 ] || dotnet build "$ROOT/src/Tsumugi.Cli" -c Release --artifacts-path "$ART" -v q -nologo >/dev/null
T="$ART/bin/Tsumugi.Cli/release/tsumugi"
secs() { $PY -c "import json,sys;s=json.load(open(sys.argv[1]));print(s['seconds'], s['bytes_in'])" "$1"; }

if [ "$CORES" = 1 ]; then
  # Scaling measured as cores, not workers: the whole process (workers, JIT, GC) pinned to cpu 0 with 1 worker vs
  # cpus 0,1 with 2 workers; then unpinned 1 vs 2 workers. Rounds alternate the four runs; medians and ratios at the
  # end. Wall time only means something when the machine is otherwise idle: every run prints the load average before
  # it starts, and CPU s/MB (user+sys of the process per MB of input) does not depend on the load.
  [ "$SKIP_BUILD" = 1 ] || dotnet build "$ROOT/bench/corpus/CleanBench" -c Release --artifacts-path "$ART" -v q -nologo >/dev/null
  if [ ! -d "$CORES_INPUT" ]; then
    mkdir -p "$CORES_INPUT"; for k in 0 1 2 3 4 5 6 7 8 9; do cp -r "$CORPUS" "$CORES_INPUT/c$k"; done
  fi
  echo "== cores: $CORES_INPUT ($(du -sh "$CORES_INPUT" | cut -f1)), $ROUNDS rounds, $(nproc) cpus, env: ${CORES_ENV:-(none)}"
  for r in $(seq "$ROUNDS"); do
    for run in "pin1 0 1" "pin2 0,1 2" "free1 - 1" "free2 - 2"; do
      read -r name cpus w <<< "$run"
      pin=(); [ "$cpus" != - ] && pin=(taskset -c "$cpus")
      rm -rf "$W/cores"
      load=$(cut -d' ' -f1 /proc/loadavg)
      env $CORES_ENV "${pin[@]}" /usr/bin/time -o "$W/time.txt" -f "%e %U %S" "$T" corpus clean --input "$CORES_INPUT" --output "$W/cores" --workers "$w" >/dev/null
      read -r s b < <(secs "$W/cores/summary.json")
      read -r wall user sys < "$W/time.txt"
      echo "cores-$name workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($b/1e6/$s,2))") cpu=$($PY -c "print(round($user+$sys,2))") wall_process=$wall cpu_s_per_MB=$($PY -c "print(round(($user+$sys)/($b/1e6),4))") load_before=$load" | tee -a "$W/results.txt"
    done
  done
  if [ "$CORES_DIAG" = 1 ]; then
    echo "== where the CPU goes (in-process, GC/JIT/threads; one run each, pinned as above)"
    CLB="$ART/bin/CleanBench/release/CleanBench"
    env $CORES_ENV taskset -c 0 "$CLB" "$CORES_INPUT" "$W/cores" 1 | sed 's/^/pin1: /'
    env $CORES_ENV taskset -c 0,1 "$CLB" "$CORES_INPUT" "$W/cores" 2 | sed 's/^/pin2: /'
  fi
  $PY - "$W/results.txt" <<'PYEOF'
import re, statistics, sys, collections
runs = collections.defaultdict(list)
for l in open(sys.argv[1]):
    m = re.match(r"cores-(\S+) workers=\d round=\d+ seconds=(\S+) MB/s=\S+ cpu=(\S+) wall_process=(\S+) cpu_s_per_MB=(\S+) load_before=(\S+)", l)
    if m: runs[m[1]].append(tuple(float(x) for x in m.groups()[1:]))
med = {k: [statistics.median(col) for col in zip(*v)] for k, v in runs.items()}
print("== medians (run s = summary.json seconds; process wall includes start-up)")
for k, (s, c, w, cm, load) in med.items():
    print(f"{k:6s} run {s:.2f} s  process wall {w:.2f} s  cpu {c:.2f} s  cpu s/MB {cm:.4f}  load before {load:.2f}  (n={len(runs[k])})")
for a, b in (("pin1", "pin2"), ("free1", "free2")):
    if a in med and b in med:
        print(f"{b} vs {a}: run {med[a][0] / med[b][0]:.2f}x, process wall {med[a][2] / med[b][2]:.2f}x faster; cpu {med[b][1] / med[a][1]:.2f}x")
PYEOF
  exit 0
fi
dotnet build "$ROOT/bench/corpus/ChainBench" -c Release --artifacts-path "$ART" -v q -nologo >/dev/null
CB="$ART/bin/ChainBench/release/ChainBench"

echo "== 1. default Japanese pipeline (HTML extraction … MinHash signatures), end to end"
for r in $(seq "$ROUNDS"); do
  [ "$SKIP_E2E" = 1 ] && break
  for w in 1 2; do
    rm -rf "$W/e2e"
    /usr/bin/time -o "$W/time.txt" -f "%e %U %S" "$T" corpus clean --input "$CORPUS" --output "$W/e2e" --workers $w >/dev/null
    read -r s b < <(secs "$W/e2e/summary.json")
    read -r wall user sys < "$W/time.txt"
    # cpu = user+sys of the whole process (start-up included); wall_process = its wall time; seconds = the run itself
    echo "e2e workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($b/1e6/$s,2))") cpu=$($PY -c "print(round($user+$sys,3))") wall_process=$wall cpu_s_per_MB=$($PY -c "print(round(($user+$sys)/($b/1e6),4))")" | tee -a "$W/results.txt"
  done
done

echo "== 2. same documents for both tools: extracted text as JSONL with ids, 16 files"
"$T" corpus clean --config "$ROOT/bench/corpus/extract.yaml" --input "$CORPUS" --output "$W/extract" --workers 2 >/dev/null
zstdcat "$W"/extract/shard-*.jsonl.zst | $PY -c "
import json,sys
docs=[json.loads(l)['text'] for l in sys.stdin]
for k in range($SCALE):
    for i,t in enumerate(docs): print(json.dumps({'id':f'd{k:03d}-{i:05d}','text':t},ensure_ascii=False))" > "$W/ja.jsonl"
mkdir -p "$W/split"; split -n l/16 -d --additional-suffix=.jsonl "$W/ja.jsonl" "$W/split/part"
BYTES=$(stat -c %s "$W/ja.jsonl"); echo "documents: $(wc -l < "$W/ja.jsonl"), bytes: $BYTES" | tee -a "$W/results.txt"

ADS="${HOJI:+$HOJI/hojichar/dict/advertisement_keywords_ja.txt}"
for mh in nominhash minhash; do
  step=$([ $mh = minhash ] && echo "minhash: { bands: 20, rows: 10 }" || echo "quality")
  sed "s#ADS_DICT#${ADS:-/dev/null}#; s#MINHASH_STEP#$step#" "$ROOT/bench/corpus/hojichar-chain.yaml" > "$W/chain-$mh.yaml"
  [ -z "$ADS" ] && sed -i 's#, keywords_file: /dev/null##' "$W/chain-$mh.yaml"
done

grep -v MINHASH_STEP "$ROOT/bench/corpus/hojichar-chain.yaml" | sed "s#ADS_DICT#${ADS:-/dev/null}#" > "$W/chain-mem.yaml"   # the chain alone, nothing after pii
[ -z "$ADS" ] && sed -i "s#, keywords_file: /dev/null##" "$W/chain-mem.yaml"

echo "== 3. filter chain on in-memory documents (both tools' loops only), alternating Tsumugi / HojiChar"
for r in $(seq "$ROUNDS"); do
  for w in 1 2; do
    # 5 timed rounds after a warm-up, median: the JIT tiers hot methods up during the first ones (Python has no JIT)
    read -r s c < <("$CB" "$W/chain-mem.yaml" "$W/ja.jsonl" "$W/cb-$w.tsv" $w 5 | tail -1)
    echo "tsumugi-chain-mem workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($BYTES/1e6/$s,2))") cpu=$c" | tee -a "$W/results.txt"
    if [ -n "$HOJI" ]; then
      read -r s c < <($PY "$ROOT/bench/corpus/hojichar_chain.py" "$HOJI" "$W/ja.jsonl" "$W/hoji-$w.tsv" $w | tail -1)
      echo "hojichar-chain workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($BYTES/1e6/$s,2))") cpu=$c" | tee -a "$W/results.txt"
    fi
  done
done
"$CB" "$W/chain-mem.yaml" "$W/ja.jsonl" "$W/cb-1.tsv" 1 5 | head -1 | tee -a "$W/results.txt"   # per-step thread CPU

echo "== 3b. the same chain as a whole 'corpus clean' run (JSONL reading, zstd shards, books included)"
for r in $(seq "$ROUNDS"); do
  for w in 1 2; do
    for mh in nominhash minhash; do
      rm -rf "$W/chain"
      /usr/bin/time -o "$W/time.txt" -f "%e %U %S" "$T" corpus clean --config "$W/chain-$mh.yaml" --input "$W/split" --output "$W/chain" --workers $w >/dev/null
      read -r s b < <(secs "$W/chain/summary.json")
      read -r wall user sys < "$W/time.txt"
      echo "tsumugi-clean-$mh workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($BYTES/1e6/$s,2))") cpu=$($PY -c "print(round($user+$sys,3))")" | tee -a "$W/results.txt"
    done
  done
done

if [ -n "$HOJI" ]; then
  echo "== 4. keep/reject agreement (filter chain, 1 worker)"
  rm -rf "$W/chain" "$W/rej"
  "$T" corpus clean --config "$W/chain-nominhash.yaml" --input "$W/split" --output "$W/chain" --keep-rejected "$W/rej" --workers 1 >/dev/null
  zstdcat "$W"/chain/*.jsonl.zst | $PY -c "import json,sys;[print(json.loads(l)['id']+'\tkeep') for l in sys.stdin]" > "$W/tsumugi.tsv"
  zstdcat "$W"/rej/*.jsonl.zst | $PY -c "import json,sys;[print(json.loads(l)['id']+'\treject\t'+json.loads(l)['reason'][:60]) for l in sys.stdin]" >> "$W/tsumugi.tsv"
  for ours in "$W/tsumugi.tsv" "$W/cb-1.tsv"; do
  echo "($(basename "$ours"): $([ "$ours" = "$W/tsumugi.tsv" ] && echo "corpus clean run" || echo "in-memory chain"))" | tee -a "$W/results.txt"
  $PY - "$ours" "$W/hoji-1.tsv" <<'PYEOF' | tee -a "$W/results.txt"
import sys
t = {l.split('\t')[0]: l.rstrip('\n').split('\t')[1:] for l in open(sys.argv[1])}
h = {l.split('\t')[0]: l.split('\t')[1].strip() for l in open(sys.argv[2])}
same = sum(1 for k in h if t[k][0] == h[k])
print(f"agreement: {same}/{len(h)} = {100*same/len(h):.2f}%  (tsumugi keeps {sum(v[0]=='keep' for v in t.values())}, hojichar keeps {sum(v=='keep' for v in h.values())})")
diff = [k for k in sorted(h) if t[k][0] != h[k]]
for k in diff[:25]: print("  differs:", k, "tsumugi", t[k], "hojichar", h[k])
if len(diff) > 25: print(f"  … {len(diff) - 25} more")
PYEOF
  done
fi
echo "== medians"
$PY - "$W/results.txt" <<'PYEOF'
import re, statistics, sys, collections
runs = collections.defaultdict(list)
for l in open(sys.argv[1]):
    m = re.match(r"(\S+) workers=(\d) round=\d+ seconds=(\S+) MB/s=(\S+)(?: cpu=(\S+))?", l)
    if m: runs[(m[1], m[2])].append((float(m[3]), float(m[4]), float(m[5] or "nan")))
med = {k: (statistics.median(s for s, _, _ in v), statistics.median(x for _, x, _ in v), statistics.median(c for _, _, c in v), len(v)) for k, v in runs.items()}
for (tool, w), (s, x, c, n) in sorted(med.items()):
    line = f"{tool:28s} workers={w}  median {s:.3f} s  {x:.2f} MB/s  cpu {c:.3f} s  (n={n})"
    h = med.get(("hojichar-chain", w))
    if h and tool.startswith("tsumugi-chain-mem"): line += f"  vs HojiChar: wall {h[0]/s:.1f}x, cpu {h[2]/c:.1f}x"
    print(line)
PYEOF
