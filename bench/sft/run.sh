#!/usr/bin/env bash
# SFT benchmark (issue 17), same machine, arms alternating within every round (the order flips each round):
#   1. pretraining (`tsumugi train`, configs/tiny.yaml) vs full SFT (`tsumugi sft`, configs/sft-tiny.yaml) continuing the
#      same base model ($PRESET, 125m by default) at the same seq_length and batch geometry: SFT tokens/s ≥ 0.9× wanted;
#   2. LoRA (configs/sft-lora-tiny.yaml: r 16, alpha 32, all-linear) vs full SFT on the 125m preset: peak RSS ≤ 0.6× and
#      tokens/s ≥ 1.25× wanted.
# tokens/s = the median of the run's per-step tokens_per_s (metrics.jsonl) without the first 2 steps; it counts every row
# position, so SFT's is also given × the plan's packing efficiency (example tokens only). Peak RSS = /usr/bin/time's
# maximum resident set size of the whole process (load, training, final save); "step RSS" = the largest memory_mb the
# trainer logged during its steps. Held-out evaluation, samples and interval checkpoints are off; z-loss off on both sides.
# The base models are randomly initialised (`model init`) with a 32,000-piece tokenizer trained on ../shared/corpus/ja,
# whose text is also the pretraining data.
# Usage: bench/sft/run.sh [ROUNDS=3]   (needs python3, /usr/bin/time, bc)
#        TSUMUGI=/path/to/tsumugi bench/sft/run.sh 3   (use an already built CLI instead of building one)
#        STEPS=10 MBS=2 PRESET=125m bench/sft/run.sh   (steps per run incl. the 2 dropped, rows per step, part 1's model)
#        PART=2 bench/sft/run.sh 2   (only comparison 2: full SFT vs LoRA; PART=1 only comparison 1)
source "$(dirname "$0")/../lib.sh"
rounds="${1:-3}"
steps="${STEPS:-10}"; mbs="${MBS:-2}"; preset="${PRESET:-125m}"; part="${PART:-all}"; seq=256
bench_init sftbench
configs="$root/configs"
[ -f data/ja.txt ] || python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.model ] || "$T" tokenizer train --input data/ja.txt --output tok --vocab-size 32000 --threads 2 >/dev/null
[ -f pre/manifest.json ] || "$T" data tokenize --input data/ja.txt --tokenizer tok --output pre --name ja >/dev/null
for p in $(echo "$preset" 125m | tr " " "\n" | sort -u); do [ -d "base-$p" ] || "$T" model init --preset "$p" --tokenizer tok --output "base-$p" >/dev/null; done
# The same geometry and step settings for every arm; only the data (and LoRA) differ.
same=(--set train.seq_length=$seq --set train.micro_batch_size="$mbs" --set train.global_batch_tokens=$((seq * mbs))
  --set train.max_steps="$steps" --set schedule.warmup_steps=1 --set train.z_loss=0 --set train.threads=2
  --set eval.interval=0 --set checkpoint.interval=0)
steps_tsv="$work/steps.tsv"; : > "$steps_tsv"
arm() { # name, base model dir, train|sft|lora
  local name="$1" base="$2" kind="$3" run="$work/run-$1"
  rm -rf "$run"
  case "$kind" in
    train) measure "$name" "$T" train --config "$configs/tiny.yaml" --output "$run" --set data.path=pre --set model.preset= \
             --set model.vocab_size= --set model.from="$base" "${same[@]}" ;;
    sft)   measure "$name" "$T" sft --config "$configs/sft-tiny.yaml" --output "$run" --set model.from="$base" --set sft.samples=0 "${same[@]}" ;;
    lora)  measure "$name" "$T" sft --config "$configs/sft-lora-tiny.yaml" --output "$run" --set model.from="$base" --set sft.samples=0 "${same[@]}" ;;
  esac
  local efficiency; efficiency=$(grep -o 'packing efficiency [0-9.]* %' "$work/measure.log" | grep -o '[0-9.]*' || echo 100)
  # name, median tokens/s of steps ≥ 3, the largest memory_mb over the steps, packing efficiency %
  python3 - "$run/metrics.jsonl" "$name" "$efficiency" >> "$steps_tsv" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
speeds = [r["tokens_per_s"] for r in rows if r["step"] > 2]
print(f"{sys.argv[2]}\t{statistics.median(speeds)}\t{max(r['memory_mb'] for r in rows)}\t{sys.argv[3]}")
PY
  tail -1 "$steps_tsv" | sed 's/^/  steps: /'
  rm -rf "$run"
}
echo "start: $(uptime); $(nproc) cores; $steps steps × $mbs rows × $seq tokens per run"
echo -e "run\twall_s\tpeak_rss_kb\tcpu_s\tload"
# With PRESET=125m the full-SFT arm serves both comparisons (3 arms a round), else part 1 has its own SFT arm.
order=(pretrain sft-full-125m sft-lora-125m); [ "$preset" != 125m ] && order=(pretrain "sft-full-$preset" sft-full-125m sft-lora-125m)
[ "$part" = 1 ] && order=(pretrain "sft-full-$preset")
[ "$part" = 2 ] && order=(sft-full-125m sft-lora-125m)
for r in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    case $name in
      pretrain) arm "pretrain-$preset" "base-$preset" train ;;
      sft-lora-125m) arm "$name" base-125m lora ;;
      *) arm "$name" "base-${name#sft-full-}" sft ;;
    esac
  done
  order=($(printf '%s\n' "${order[@]}" | tac)) # the next round runs the arms in the opposite order
done
echo "end: $(uptime)"
python3 - "$results" "$steps_tsv" "$preset" <<'PY'
import statistics, sys, collections
proc, steps = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, rss, cpu, load = line.rstrip("\n").split("\t"); proc[name].append((float(wall), int(rss), float(cpu), float(load)))
for line in open(sys.argv[2]):
    name, speed, mem, eff = line.rstrip("\n").split("\t"); steps[name].append((float(speed), float(mem), float(eff)))
med = lambda xs: statistics.median(xs)
m = {}
for name in proc:
    p, s = proc[name], steps[name]
    m[name] = dict(speed=med([x[0] for x in s]), speeds=[x[0] for x in s], eff=s[0][2], rss=med([x[1] for x in p]) / 1024,
                   step_rss=med([x[1] for x in s]), wall=med([x[0] for x in p]), loads=[x[3] for x in p])
    print(f"{name:18s} tokens/s median {m[name]['speed']:8.1f} (rounds {m[name]['speeds']}), packing {m[name]['eff']:.1f} % → "
          f"{m[name]['speed'] * m[name]['eff'] / 100:8.1f} example tokens/s; peak RSS {m[name]['rss']:7.0f} MB, step RSS "
          f"{m[name]['step_rss']:7.0f} MB; wall {m[name]['wall']:6.1f} s; load after {m[name]['loads']}")
if f"pretrain-{sys.argv[3]}" in m:
  pre, sft = m[f"pretrain-{sys.argv[3]}"], m[f"sft-full-{sys.argv[3]}"]
  r1 = sft["speed"] / pre["speed"]; r1e = r1 * sft["eff"] / 100
  print(f"1. SFT / pretraining tokens/s ({sys.argv[3]}): {r1:.3f} (row positions), {r1e:.3f} (example tokens only); goal ≥ 0.90: "
        f"{'met' if r1 >= 0.9 else 'NOT met'}")
if "sft-lora-125m" in m:
  full, lora = m["sft-full-125m"], m["sft-lora-125m"]
  rr, rs = lora["rss"] / full["rss"], lora["speed"] / full["speed"]
  print(f"2. LoRA / full (125m): peak RSS {rr:.3f} (goal ≤ 0.60: {'met' if rr <= 0.6 else 'NOT met'}), step RSS "
        f"{lora['step_rss'] / full['step_rss']:.3f}; tokens/s {rs:.3f} (goal ≥ 1.25: {'met' if rs >= 1.25 else 'NOT met'})")
PY
