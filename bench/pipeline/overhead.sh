#!/usr/bin/env bash
# What does `tsumugi pipeline run` cost over typing the same stages by hand? (issue 24; goal: < 2 %)
# The same six stages — corpus clean (../shared/corpus ja + en + code, configs/corpus-docs.yaml) → corpus dedup →
# tokenizer train (8,000 pieces) → data tokenize → train (configs/tiny.yaml, STEPS steps) → export gguf (q8_0) — run
# (a) as one `tsumugi pipeline run` into a fresh output, and (b) as six `tsumugi …` commands with the same arguments,
# alternating a/b for ROUNDS rounds. Each is the whole process(es), files in → files out, start-up included; reported:
# the median wall time of each and overhead = median(a) / median(b) − 1, plus the pipeline's own bookkeeping (run time
# minus the sum of its stages' times from state.json).
# Usage: bench/pipeline/overhead.sh   (ROUNDS=3 STEPS=100; TSUMUGI=/path/to/tsumugi)
source "$(dirname "$0")/../lib.sh"
ROUNDS=${ROUNDS:-3}; STEPS=${STEPS:-100}
bench_init pipeline-overhead
corpus="$root/../shared/corpus"
cat > pipeline.yaml <<YAML
name: overhead
stages:
  clean: {kind: corpus-clean, config: $root/configs/corpus-docs.yaml, input: [$corpus/ja, $corpus/en, $corpus/code]}
  dedup: {kind: corpus-dedup, input: clean}
  tokenizer: {kind: tokenizer-train, input: dedup, vocab_size: 8000}
  data: {kind: data-tokenize, input: dedup, tokenizer: tokenizer}
  pretrain:
    kind: train
    config: $root/configs/tiny.yaml
    data: data
    tokenizer: tokenizer
    set: {model.vocab_size: "", train.max_steps: $STEPS}
  gguf: {kind: export, model: pretrain, quant: q8_0}
YAML

by_hand() { # output folder
  local o="$1"
  "$T" corpus clean --config "$root/configs/corpus-docs.yaml" --input "$corpus/ja" "$corpus/en" "$corpus/code" --output "$o/clean"
  "$T" corpus dedup --input "$o/clean" --output "$o/dedup"
  "$T" tokenizer train --input "$o/dedup" --vocab-size 8000 --output "$o/tokenizer"
  "$T" data tokenize --input "$o/dedup" --tokenizer "$o/tokenizer" --output "$o/data"
  "$T" train --config "$root/configs/tiny.yaml" --output "$o/pretrain" --set "data.path=$o/data" --set "model.tokenizer=$o/tokenizer" --set "model.vocab_size=" --set "train.max_steps=$STEPS"
  "$T" export gguf --model "$o/pretrain/model" --output "$o/gguf/model-q8_0.gguf" --quant q8_0
}
export -f by_hand; export T root corpus STEPS

for round in $(seq 1 "$ROUNDS"); do
  rm -rf out-pipeline out-hand
  measure "pipeline" "$T" pipeline run pipeline.yaml --output out-pipeline
  python3 - out-pipeline >> bookkeeping.txt <<'PY'
import json, sys, os, datetime
s = json.load(open(os.path.join(sys.argv[1], ".pipeline/state.json")))
t = lambda x: datetime.datetime.fromisoformat(x)
stages = sum(r["seconds"] for r in s["stages"])
print(f'{(t(s["stages"][-1]["finished"]) - t(s["stages"][0]["started"])).total_seconds() - stages:.3f}')
PY
  measure "by hand" bash -c 'by_hand out-hand'
done

echo
med() { awk -F'\t' -v n="$1" '$1 == n {print $2}' "$results" | median; }
a=$(med pipeline); b=$(med "by hand")
printf 'stages: clean → dedup → tokenizer → tokenize → train (%s steps) → gguf; %s rounds, alternating\n' "$STEPS" "$ROUNDS"
printf 'median wall: pipeline run %s s, the same commands by hand %s s\n' "$a" "$b"
printf 'overhead: %+.2f %% (goal < 2 %%); the pipeline'"'"'s bookkeeping between stages: median %s s per run\n' \
  "$(echo "($a / $b - 1) * 100" | bc -l)" "$(median < bookkeeping.txt)"
