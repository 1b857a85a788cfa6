#!/usr/bin/env bash
# Preference-optimisation benchmark (issue 18), same machine, arms alternating within every round (order flips each round):
#   1. a DPO step with precomputed reference log-probs (`tsumugi dpo`, configs/dpo-tiny.yaml) vs an SFT step
#      (`tsumugi sft`, configs/sft-tiny.yaml) on the same rows: the SFT data is every pair's chosen and rejected
#      conversation as its own example (loss on the completion, one example per row, no packing), so both arms push the
#      same chosen+rejected tokens through the same geometry. Goal: DPO step time ≤ 2.2× SFT's.
#      Step time = global batch tokens ÷ the median per-step tokens_per_s (metrics.jsonl) without the first 2 steps; the
#      reference pass runs before step 1 and is reported apart.
#   2. the online loop's sampling phase (`tsumugi dpo online`): 8 held-out prompts × 4 answers (k), 64 new tokens,
#      decoded 8 together (online.decode_batch: 8; the k answers to one prompt share its prefill) vs one at a time
#      (decode_batch: 1); aggregate tokens/s from the loop's own "sampled N answers in X s (T tokens/s …)" line for
#      iteration 000. Goal: ≥ 3×. A third arm decodes 8 together on torch (online.engine: torch) instead of the
#      native engine that online.engine: auto picks when several sequences decode together (issue 25).
# Base model: `model init --preset $PRESET` (125m by default, random weights) with a 32,000-piece tokenizer trained on
# ../shared/corpus/ja; llama2 chat template; seq_length 256, 8 rows a step, 2 threads.
# Usage: bench/dpo/run.sh [ROUNDS=3]   TSUMUGI=/path/to/tsumugi bench/dpo/run.sh 3   STEPS=8 PART=1|2 PRESET=125m
source "$(dirname "$0")/../lib.sh"
rounds="${1:-3}"; steps="${STEPS:-8}"; preset="${PRESET:-125m}"; part="${PART:-all}"; seq=256
bench_init dpobench
configs="$root/configs"
[ -f data/ja.txt ] || python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.model ] || "$T" tokenizer train --input data/ja.txt --output tok --vocab-size 32000 --threads 2 >/dev/null
[ -d "base-$preset" ] || "$T" model init --preset "$preset" --tokenizer tok --output "base-$preset" >/dev/null
# The SFT arm's data: each pair's two conversations as separate examples.
python3 - "$configs/dpo/debian-qa-pairs-ja.jsonl" sft-rows.jsonl <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        for answer in (r["chosen"], r["rejected"]):
            out.write(json.dumps({"messages": r["prompt"] + answer}, ensure_ascii=False) + "\n")
PY
same=(--set model.from="$work/base-$preset" --set train.seq_length=$seq --set train.micro_batch_size=8 --set train.global_batch_tokens=$((seq * 8))
  --set train.max_steps="$steps" --set schedule.warmup_steps=1 --set train.threads=2 --set eval.interval=0 --set checkpoint.interval=0)
steps_tsv="$work/steps.tsv"; : > "$steps_tsv"
step_arm() { # name, dpo|sft
  local name="$1" run="$work/run-$1"
  rm -rf "$run"
  if [ "$2" = dpo ]; then
    measure "$name" "$T" dpo --config "$configs/dpo-tiny.yaml" --output "$run" --set dpo.samples=0 --set data.validation_fraction=0 "${same[@]}"
  else
    measure "$name" "$T" sft --config "$configs/sft-tiny.yaml" --output "$run" --set sft.samples=0 --set sft.loss_on=completion \
      --set sft.chat_template=llama2 --set data.paths="[$work/sft-rows.jsonl]" --set data.format=openai --set data.system_prompt= \
      --set data.packing=padding --set data.validation_fraction=0 "${same[@]}"
  fi
  python3 - "$run/metrics.jsonl" "$name" $((seq * 8)) >> "$steps_tsv" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{sys.argv[2]}\t{int(sys.argv[3]) / statistics.median(r['tokens_per_s'] for r in rows if r['step'] > 2)}")
PY
  tail -1 "$steps_tsv" | sed 's/^/  step seconds: /'
  rm -rf "$run"
}
decode_arm() { # name, decode_batch, online.engine
  local run="$work/run-$1"
  rm -rf "$run"; head -16 "$configs/dpo/debian-questions-ja.jsonl" > prompts16.jsonl
  measure "$1" "$T" dpo online --config "$configs/dpo-online-tiny.yaml" --output "$run" --set model.from="$work/base-$preset" \
    --set online.prompts="$work/prompts16.jsonl" --set online.held_out=8 --set online.held_out_samples=4 --set online.iterations=1 \
    --set online.samples_per_prompt=2 --set online.max_new_tokens=64 --set online.decode_batch="$2" --set online.engine="${3:-auto}" --set train.max_steps=1 \
    --set online.reward.pattern=. || true
  grep -m1 -o 'sampled [0-9]* answers in [0-9.]* s ([0-9]* tokens/s' "$work/measure.log" | grep -o '[0-9]* tokens/s' | grep -o '[0-9]*' \
    | sed "s/^/$1\t/" >> "$steps_tsv"
  tail -1 "$steps_tsv" | sed 's/^/  sampling tokens\/s: /'
  rm -rf "$run"
}
echo "start: $(uptime); $(nproc) cores"
echo -e "run\twall_s\tpeak_rss_kb\tcpu_s\tload"
flip=0
for r in $(seq "$rounds"); do
  if [ "$part" != 2 ]; then
    if [ $flip = 0 ]; then step_arm dpo-step dpo; step_arm sft-step sft; else step_arm sft-step sft; step_arm dpo-step dpo; fi
  fi
  if [ "$part" != 1 ]; then
    if [ $flip = 0 ]; then decode_arm decode-8 8; decode_arm decode-1 1; decode_arm decode-8-torch 8 torch
    else decode_arm decode-8-torch 8 torch; decode_arm decode-1 1; decode_arm decode-8 8; fi
  fi
  flip=$((1 - flip))
done
echo "end: $(uptime)"
python3 - "$steps_tsv" <<'PY'
import statistics, sys, collections
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, x = line.rstrip("\n").split("\t"); v[name].append(float(x))
med = {k: statistics.median(xs) for k, xs in v.items()}
for k in sorted(v): print(f"{k:10s} median {med[k]:9.3f}  rounds {v[k]}")
if "dpo-step" in med and "sft-step" in med: print(f"DPO step / SFT step: {med['dpo-step'] / med['sft-step']:.2f}× (goal ≤ 2.2×)")
if "decode-8" in med and "decode-1" in med: print(f"sampling, 8 decoded together / one at a time: {med['decode-8'] / med['decode-1']:.2f}× (goal ≥ 3×)")
if "decode-8" in med and "decode-8-torch" in med: print(f"sampling 8 together, native engine / torch: {med['decode-8'] / med['decode-8-torch']:.2f}×")
PY
