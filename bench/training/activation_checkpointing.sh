#!/usr/bin/env bash
# Activation checkpointing benchmark (issue 20): `tsumugi train` on the 125m preset (vocab 32,000) at seq_length
# $SEQ (2048) × micro-batch $MBS (1), with train.gradient_checkpointing off and on, alternating arms each round.
# Per arm: peak RSS of the whole process (/usr/bin/time), and tokens/s = median of the per-step figures in
# metrics.jsonl after step 1 (the first step pays allocation and thread start-up). Prints the RSS ratio and the
# tokens/s cost of recomputing. Data: an 8,000-piece tokenizer trained on ../shared/corpus/ja, tokenized.
# Usage: bench/training/activation_checkpointing.sh [ROUNDS=1]   (needs python3, /usr/bin/time, bc)
#        STEPS=4 SEQ=2048 MBS=1 PRESET=125m TSUMUGI=/path/to/tsumugi bench/training/activation_checkpointing.sh
source "$(dirname "$0")/../lib.sh"
rounds="${1:-1}"
steps="${STEPS:-4}"; seq="${SEQ:-2048}"; mbs="${MBS:-1}"; preset="${PRESET:-125m}"
bench_init ckptbench
[ -f data/ja.txt ] || python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.model ] || "$T" tokenizer train --input data/ja.txt --output tok --vocab-size 8000 --threads 2 >/dev/null
[ -f pre/manifest.json ] || "$T" data tokenize --input data/ja.txt --tokenizer tok --output pre --name ja >/dev/null
same=(--set data.path=pre --set model.preset="$preset" --set model.vocab_size=32000 --set train.seq_length="$seq"
  --set train.micro_batch_size="$mbs" --set train.global_batch_tokens=$((seq * mbs)) --set train.max_steps="$steps"
  --set schedule.warmup_steps=1 --set train.threads=2 --set eval.interval=0 --set checkpoint.interval=0 --set log.interval=1
  --set data.validation_fraction=0)
steps_tsv="$work/steps.tsv"; : > "$steps_tsv"
train() { # name, gradient_checkpointing
  local run="$work/run-$1"
  rm -rf "$run"
  measure "$1" "$T" train --config "$root/configs/tiny.yaml" --output "$run" "${same[@]}" --set train.gradient_checkpointing="$2"
  python3 - "$run/metrics.jsonl" "$1" >> "$steps_tsv" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("step", 0) > 1 and "tokens_per_s" in r]
print(f"{sys.argv[2]}\t{statistics.median(r['tokens_per_s'] for r in rows)}\t{rows[-1]['loss']}")
PY
  tail -1 "$steps_tsv" | sed 's/^/  steps: /'
  rm -rf "$run"
}
echo "start: $(uptime); $(nproc) cores; $preset; $steps steps × $mbs rows × $seq tokens"
echo -e "run\twall_s\tpeak_rss_kb\tcpu_s\tload"
order=(plain checkpointed)
for r in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    train "$name" "$([ "$name" = checkpointed ] && echo true || echo false)"
  done
  order=($(printf '%s\n' "${order[@]}" | tac))
done
echo "end: $(uptime)"
python3 - "$results" "$steps_tsv" <<'PY'
import statistics, sys, collections
rss, speed, loss = collections.defaultdict(list), collections.defaultdict(list), {}
for line in open(sys.argv[1]):
    name, wall, kb, cpu, load = line.rstrip("\n").split("\t"); rss[name].append(int(kb))
for line in open(sys.argv[2]):
    name, s, l = line.rstrip("\n").split("\t"); speed[name].append(float(s)); loss[name] = float(l)
med = statistics.median
for name in ("plain", "checkpointed"):
    print(f"  {name:13s} peak RSS {med(rss[name]) / 1024:8.1f} MB  {med(speed[name]):7.1f} tokens/s  last loss {loss[name]:.4f}")
print(f"  checkpointed / plain: peak RSS {med(rss['checkpointed']) / med(rss['plain']):.2f}×, tokens/s {med(speed['checkpointed']) / med(speed['plain']):.2f}×")
PY
