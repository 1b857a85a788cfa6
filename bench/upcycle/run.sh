#!/usr/bin/env bash
# MoE upcycling benchmark (issue 19), same machine, arms alternating within every round (order flips each round):
#   1. `tsumugi model upcycle` of a dense $PRESET model (40m by default) to 4 experts top-2, plain (r = 0) and with
#      Drop-Upcycling r = 0.5: wall time and peak RSS (whole process), next to a plain `cp` of the dense safetensors;
#   2. the first $STEPS steps of `tsumugi train` (configs/tiny.yaml geometry) continuing the dense model and each
#      upcycled MoE: tokens/s and MFU. tsumugi's MFU counts active parameters (ModelAccounting: dense part + router +
#      experts · top_k / num_experts), so an MoE that wastes nothing on routing keeps the dense model's MFU while its
#      tokens/s drops by the active-FLOP ratio, which is printed too.
# tokens/s and MFU = medians of the runs' per-step figures (metrics.jsonl) without the first 2 steps. The dense model is
# randomly initialised (`model init`) with an 8,000-piece tokenizer trained on ../shared/corpus/ja, whose text is the data.
# Usage: bench/upcycle/run.sh [ROUNDS=2]   (needs python3, /usr/bin/time, bc)
#        STEPS=8 MBS=2 PRESET=40m TSUMUGI=/path/to/tsumugi bench/upcycle/run.sh 2
source "$(dirname "$0")/../lib.sh"
rounds="${1:-2}"
steps="${STEPS:-8}"; mbs="${MBS:-2}"; preset="${PRESET:-40m}"; seq=256
bench_init upcyclebench
configs="$root/configs"
[ -f data/ja.txt ] || python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.model ] || "$T" tokenizer train --input data/ja.txt --output tok --vocab-size 8000 --threads 2 >/dev/null
[ -f pre/manifest.json ] || "$T" data tokenize --input data/ja.txt --tokenizer tok --output pre --name ja >/dev/null
[ -d dense ] || "$T" model init --preset "$preset" --tokenizer tok --output dense >/dev/null
same=(--set train.seq_length=$seq --set train.micro_batch_size="$mbs" --set train.global_batch_tokens=$((seq * mbs))
  --set train.max_steps="$steps" --set schedule.warmup_steps=1 --set train.z_loss=0 --set train.threads=2
  --set eval.interval=0 --set checkpoint.interval=0 --set log.interval=1)
steps_tsv="$work/steps.tsv"; : > "$steps_tsv"
train() { # name, model dir
  local run="$work/run-$1"
  rm -rf "$run"
  measure "train-$1" "$T" train --config "$configs/tiny.yaml" --output "$run" --set data.path=pre --set model.preset= \
    --set model.vocab_size= --set model.from="$2" "${same[@]}"
  python3 - "$run/metrics.jsonl" "$1" >> "$steps_tsv" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("step", 0) > 2 and "tokens_per_s" in r]
print(f"{sys.argv[2]}\t{statistics.median(r['tokens_per_s'] for r in rows)}\t{statistics.median(r['mfu'] for r in rows)}\t{rows[-1]['loss']}")
PY
  tail -1 "$steps_tsv" | sed 's/^/  steps: /'
  rm -rf "$run"
}
echo "start: $(uptime); $(nproc) cores; $preset; $steps steps × $mbs rows × $seq tokens per training run"
echo -e "run\twall_s\tpeak_rss_kb\tcpu_s\tload"
order=(cp upcycle drop dense moe moe-drop)
for r in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    case $name in
      cp) rm -rf copy; mkdir copy; measure cp cp dense/model.safetensors copy/ ;;
      upcycle) rm -rf moe; measure upcycle "$T" model upcycle --model dense --experts 4 --top-k 2 --output moe ;;
      drop) rm -rf moe-drop; measure upcycle-drop0.5 "$T" model upcycle --model dense --experts 4 --top-k 2 --drop-ratio 0.5 --output moe-drop ;;
      dense) train dense dense ;;
      moe) [ -d moe ] && train moe-4x2 moe ;;
      moe-drop) [ -d moe-drop ] && train moe-4x2-drop0.5 moe-drop ;;
    esac
  done
  order=($(printf '%s\n' "${order[@]}" | tac))
  # upcycling must precede training the result: keep the upcycle arms first in every round
  order=(cp upcycle drop $(printf '%s\n' "${order[@]}" | grep -v -x -e cp -e upcycle -e drop))
done
echo "end: $(uptime)"
"$T" model info dense --seq-length $seq | grep -i -E "param|flop" | sed 's/^/  dense: /' || true
"$T" model info moe --seq-length $seq | grep -i -E "param|flop" | sed 's/^/  moe:   /' || true
python3 - "$results" "$steps_tsv" <<'PY'
import statistics, sys, collections
proc, steps = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, rss, cpu, load = line.rstrip("\n").split("\t"); proc[name].append((float(wall), int(rss), float(cpu)))
for line in open(sys.argv[2]):
    name, speed, mfu, loss = line.rstrip("\n").split("\t"); steps[name].append((float(speed), float(mfu), float(loss)))
med = statistics.median
print("medians:")
for name in ("cp", "upcycle", "upcycle-drop0.5"):
    p = proc[name]
    print(f"  {name:16s} wall {med(x[0] for x in p):6.2f} s  cpu {med(x[2] for x in p):6.2f} s  peak RSS {med(x[1] for x in p) / 1024:7.1f} MB")
dense = med(x[0] for x in steps["dense"])
for name in ("dense", "moe-4x2", "moe-4x2-drop0.5"):
    s = steps[name]
    speed, mfu = med(x[0] for x in s), med(x[1] for x in s)
    print(f"  train {name:16s} {speed:8.1f} tokens/s ({speed / dense:.2f}× dense)  MFU {mfu * 100:5.1f} %  last loss {s[-1][2]:.3f}  runs {[round(x[0]) for x in s]}")
PY
