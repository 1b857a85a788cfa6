#!/usr/bin/env bash
# GGUF quantisation benchmark: every `export gguf --quant` type of one model — file size, export wall time (median
# over ROUNDS), and llama.cpp's perplexity of held-out corpus text relative to f16.
#   bench/gguf/run.sh [MODEL_DIR]          (ROUNDS=3, STEPS=60, CONTEXT=512)
# Without MODEL_DIR a model is trained first: a 2,000-piece tokenizer and a Llama of 4 layers, width 256, n_ff 768,
# GQA 4/2 heads, untied (every row a multiple of 256, so the k-quants apply everywhere), trained STEPS steps of
# configs/tiny.yaml on ../shared/corpus/ja, the last HELD_OUT lines of which are held out. With MODEL_DIR the held-out
# text is the same tail of the corpus (the model may have seen it). llama.cpp is node-llama-cpp from
# scripts/install-test-deps.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${W:-/tmp/tsumugi-bench-gguf}
ART=${ART:-/tmp/art-gguf-bench}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-60}
CONTEXT=${CONTEXT:-512}
HELD_OUT=${HELD_OUT:-200}
QUANTS=${QUANTS:-"f16 q8_0 q6_k q5_k_m q4_k_m q4_0"}
NODE_LLAMA=$ROOT/.build/npm/node_modules/node-llama-cpp/dist/index.js
[ -f "$NODE_LLAMA" ] || { echo "node-llama-cpp is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
mkdir -p "$W"
dotnet build "$ROOT/src/Tsumugi.Cli" -c Release --artifacts-path "$ART" -v q -nologo >/dev/null
T="$ART/bin/Tsumugi.Cli/release/tsumugi"

# Corpus text: tags stripped, one line per paragraph; the tail is held out.
python3 - "$ROOT/../shared/corpus/ja" "$W/all.txt" <<'PY'
import html, pathlib, re, sys
lines = []
for f in sorted(pathlib.Path(sys.argv[1]).rglob("*.html")):
    for raw in html.unescape(re.sub(r"<[^>]*>", "\n", f.read_text(errors="replace"))).split("\n"):
        line = re.sub(r"\s+", " ", raw).strip()
        if len(line) >= 8: lines.append(line)
pathlib.Path(sys.argv[2]).write_text("\n".join(lines) + "\n")
PY
head -n -"$HELD_OUT" "$W/all.txt" > "$W/train.txt"
tail -n "$HELD_OUT" "$W/all.txt" > "$W/heldout.txt"

MODEL=${1:-}
if [ -z "$MODEL" ]; then
  MODEL=$W/run/model
  if [ ! -f "$MODEL/config.json" ]; then
    rm -rf "$W/tok" "$W/data" "$W/run"
    "$T" tokenizer train --input "$W/train.txt" --output "$W/tok" --vocab-size 2000 --threads 2 >/dev/null
    "$T" data tokenize --input "$W/train.txt" --tokenizer "$W/tok" --output "$W/data" >/dev/null
    "$T" model init --preset tiny --tokenizer "$W/tok" --output "$W/shape" >/dev/null
    python3 - "$W/shape/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.update(hidden_size=256, intermediate_size=768, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False)
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
    "$T" train --config "$ROOT/configs/tiny.yaml" --output "$W/run" --set "data.path=$W/data" --set model.preset= \
      --set "model.config=$W/shape/config.json" --set model.vocab_size= --set "model.tokenizer=$W/tok" --set data.validation_fraction=0 --set "train.max_steps=$STEPS" \
      --set checkpoint.interval=0 --set eval.interval=0 --set log.tensorboard=false | tail -n 3
  fi
fi
echo "== model $MODEL, $ROUNDS rounds, held-out: last $HELD_OUT corpus lines, $CONTEXT tokens"
: > "$W/export.txt"
for r in $(seq "$ROUNDS"); do
  for q in $QUANTS; do
    start=$(date +%s.%N)
    "$T" export gguf --model "$MODEL" --output "$W/model-$q.gguf" --quant "$q" > "$W/export-$q.log"
    end=$(date +%s.%N)
    echo "$q $r $(python3 -c "print(round($end-$start,3))") $(stat -c %s "$W/model-$q.gguf")" | tee -a "$W/export.txt"
  done
done
files=(); for q in $QUANTS; do files+=("$W/model-$q.gguf"); done
node "$ROOT/bench/gguf/perplexity.mjs" "$NODE_LLAMA" "$W/heldout.txt" "$CONTEXT" "${files[@]}" > "$W/ppl.jsonl"
python3 - "$W" $QUANTS <<'PY'
import json, statistics, sys, re
w, quants = sys.argv[1], sys.argv[2:]
times, sizes = {}, {}
for line in open(f"{w}/export.txt"):
    q, _, s, b = line.split()
    times.setdefault(q, []).append(float(s)); sizes[q] = int(b)
ppl = {re.search(r"model-(.+)\.gguf$", j["file"]).group(1): j for j in map(json.loads, open(f"{w}/ppl.jsonl"))}
base = ppl.get("f16", next(iter(ppl.values())))["ppl"]
print(f"{'quant':8} {'bytes':>12} {'vs f16':>7} {'export s (median)':>18} {'llama.cpp ppl':>14} {'vs f16':>8}  tensors")
for q in quants:
    types = open(f"{w}/export-{q}.log").read().split("tensors ")[-1].strip().rstrip(")")
    print(f"{q:8} {sizes[q]:>12,} {sizes[q]/sizes.get('f16', sizes[q]):>7.3f} {statistics.median(times[q]):>18.2f} "
          f"{ppl[q]['ppl']:>14.3f} {100*(ppl[q]['ppl']/base-1):>+7.2f}%  {types}")
print(f"perplexity over {next(iter(ppl.values()))['tokens']} tokens")
PY
