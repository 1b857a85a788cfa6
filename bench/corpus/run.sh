#!/usr/bin/env bash
# Corpus benchmark: Tsumugi vs HojiChar on ../shared/corpus/ja, alternating rounds, medians and ratios.
#   HOJICHAR_SRC=/path/to/HojiChar-checkout bench/corpus/run.sh        (ROUNDS=3 by default)
# HojiChar needs python3 with numpy, tqdm and emoji (Debian: apt-get install python3-numpy python3-tqdm python3-emoji).
# Without HOJICHAR_SRC only the Tsumugi figures are measured.
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
rm -rf "$W"; mkdir -p "$W"
dotnet build "$ROOT/src/Tsumugi.Cli" -c Release --artifacts-path "$ART" -v q -nologo >/dev/null
T="$ART/bin/Tsumugi.Cli/release/tsumugi"
secs() { $PY -c "import json,sys;s=json.load(open(sys.argv[1]));print(s['seconds'], s['bytes_in'])" "$1"; }

echo "== 1. default Japanese pipeline (HTML extraction … MinHash signatures), end to end"
for r in $(seq "$ROUNDS"); do
  [ "$SKIP_E2E" = 1 ] && break
  for w in 1 2; do
    rm -rf "$W/e2e"
    "$T" corpus clean --input "$CORPUS" --output "$W/e2e" --workers $w >/dev/null
    read -r s b < <(secs "$W/e2e/summary.json")
    echo "e2e workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($b/1e6/$s,2))")" | tee -a "$W/results.txt"
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

echo "== 3. filter chain, alternating Tsumugi / HojiChar"
for r in $(seq "$ROUNDS"); do
  for w in 1 2; do
    for mh in nominhash minhash; do
      rm -rf "$W/chain" "$W/rej-$w"
      "$T" corpus clean --config "$W/chain-$mh.yaml" --input "$W/split" --output "$W/chain" --workers $w >/dev/null
      read -r s b < <(secs "$W/chain/summary.json")
      echo "tsumugi-chain-$mh workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($BYTES/1e6/$s,2))")" | tee -a "$W/results.txt"
    done
    if [ -n "$HOJI" ]; then
      s=$($PY "$ROOT/bench/corpus/hojichar_chain.py" "$HOJI" "$W/ja.jsonl" "$W/hoji-$w.tsv" $w | tail -1)
      echo "hojichar-chain workers=$w round=$r seconds=$s MB/s=$($PY -c "print(round($BYTES/1e6/$s,2))")" | tee -a "$W/results.txt"
    fi
  done
done

if [ -n "$HOJI" ]; then
  echo "== 4. keep/reject agreement (filter chain, 1 worker)"
  rm -rf "$W/chain" "$W/rej"
  "$T" corpus clean --config "$W/chain-nominhash.yaml" --input "$W/split" --output "$W/chain" --keep-rejected "$W/rej" --workers 1 >/dev/null
  zstdcat "$W"/chain/*.jsonl.zst | $PY -c "import json,sys;[print(json.loads(l)['id']+'\tkeep') for l in sys.stdin]" > "$W/tsumugi.tsv"
  zstdcat "$W"/rej/*.jsonl.zst | $PY -c "import json,sys;[print(json.loads(l)['id']+'\treject\t'+json.loads(l)['reason'][:60]) for l in sys.stdin]" >> "$W/tsumugi.tsv"
  $PY - "$W/tsumugi.tsv" "$W/hoji-1.tsv" <<'PYEOF' | tee -a "$W/results.txt"
import sys
t = {l.split('\t')[0]: l.rstrip('\n').split('\t')[1:] for l in open(sys.argv[1])}
h = {l.split('\t')[0]: l.split('\t')[1].strip() for l in open(sys.argv[2])}
same = sum(1 for k in h if t[k][0] == h[k])
print(f"agreement: {same}/{len(h)} = {100*same/len(h):.2f}%  (tsumugi keeps {sum(v[0]=='keep' for v in t.values())}, hojichar keeps {sum(v=='keep' for v in h.values())})")
diff = [k for k in sorted(h) if t[k][0] != h[k]]
for k in diff[:25]: print("  differs:", k, "tsumugi", t[k], "hojichar", h[k])
if len(diff) > 25: print(f"  … {len(diff) - 25} more")
PYEOF
fi
echo "== medians"
$PY - "$W/results.txt" <<'PYEOF'
import re, statistics, sys, collections
runs = collections.defaultdict(list)
for l in open(sys.argv[1]):
    m = re.match(r"(\S+) workers=(\d) round=\d+ seconds=(\S+) MB/s=(\S+)", l)
    if m: runs[(m[1], m[2])].append((float(m[3]), float(m[4])))
for (tool, w), v in sorted(runs.items()):
    print(f"{tool:28s} workers={w}  median {statistics.median(s for s,_ in v):.3f} s  {statistics.median(x for _,x in v):.2f} MB/s  (n={len(v)})")
PYEOF
