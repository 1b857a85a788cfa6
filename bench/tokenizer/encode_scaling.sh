#!/usr/bin/env bash
# `tsumugi tokenizer encode` on 1 vs 2 threads, whole process, against spm_encode (issue 25's acceptance: 2 threads
# ≥ 1.8× one thread on ≥ 40 MB; peak RSS ≤ 2 × spm_encode's + the runtime's). Input: ../shared/corpus Japanese text
# (bench/tokenizer/extract_text.py) repeated to ≥ 40 MB; model: spm_train Unigram 16k, identity normalization,
# byte fallback (as bench/tokenizer/run.sh). Rounds alternate spm_encode, 1 thread and 2 threads so all three see the
# same load; the 2-thread speed-up is the median of the per-round ratios (wall and CPU). Outputs are compared byte for
# byte with spm_encode's. "Runtime" is the peak RSS of the same command on empty input (runtime, CLI and the loaded
# tokenizer, no text); `tsumugi --help` (runtime and CLI only) is printed beside it. "Two processes" is this machine's
# own ceiling for two workers: two independent one-thread runs, each on half of the lines, at the same time (until
# both are done). A two-thread run does the same work: it can beat the pair only by sharing one start-up and by
# balancing its blocks between unequal cores (the pair waits for its slower half).
# Usage: bench/tokenizer/encode_scaling.sh [ROUNDS=5] [REPEATS=12]   (REPEATS × ja.txt (3.8 MB) is the input)
#        TSUMUGI=/path/to/tsumugi bench/tokenizer/encode_scaling.sh   (an already built CLI instead of building one)
#        BEFORE=/path/to/older/tsumugi bench/tokenizer/encode_scaling.sh   (also measures that CLI, in the same rounds)
source "$(dirname "$0")/../lib.sh"
rounds="${1:-5}" repeats="${2:-12}"
bench_init encscale
python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" "$work/data" >/dev/null
for i in $(seq "$repeats"); do cat data/ja.txt; done > data/input.txt
lines=$(wc -l < data/input.txt)
head -n $((lines / 2)) data/input.txt > data/half-a.txt; tail -n +$((lines / 2 + 1)) data/input.txt > data/half-b.txt
# The encoding phase of `--stats` lines (after start-up and model load): wall and CPU seconds, tab-separated.
phase_of() { sed -n 's/.* in \([0-9.]*\) s (cpu \([0-9.]*\) s;.*/\1\t\2/p'; }
[ -f spm16000.model ] || spm_train --input=data/ja.txt --model_prefix=spm16000 --model_type=unigram --vocab_size=16000 \
  --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false --num_threads=2 --minloglevel=2
: > empty.txt; : > phases.tsv
echo "start: $(uptime)"
for r in $(seq "$rounds"); do
  measure runtime-help "$T" --help
  measure runtime-empty sh -c "$T tokenizer encode --tokenizer spm16000.model --threads 2 < empty.txt > /dev/null"
  measure spm_encode sh -c "spm_encode --model=spm16000.model --output_format=id < data/input.txt > spm.ids"
  for n in 1 2; do
    s=""; [ "$n" = 2 ] && s=s
    measure "tsumugi-${n}thread$s" sh -c "$T tokenizer encode --tokenizer spm16000.model --threads $n --stats < data/input.txt > t$n.ids"
    phase_of < measure.log | sed "s/^/phase-$n\t/" >> phases.tsv
  done
  measure two-processes sh -c "$T tokenizer encode --tokenizer spm16000.model --threads 1 --stats < data/half-a.txt > pa.ids 2> pa.log &
    $T tokenizer encode --tokenizer spm16000.model --threads 1 --stats < data/half-b.txt > pb.ids 2> pb.log; wait"
  # The pair's phase: the slower half's (both start together).
  cat pa.log pb.log | phase_of | sort -n | tail -1 | sed "s/^/phase-pair\t/" >> phases.tsv
  if [ -n "${BEFORE:-}" ]; then
    measure before-runtime-empty sh -c "$BEFORE tokenizer encode --tokenizer spm16000.model --threads 2 < empty.txt > /dev/null"
    measure before-1thread sh -c "$BEFORE tokenizer encode --tokenizer spm16000.model --threads 1 < data/input.txt > b1.ids"
    measure before-2threads sh -c "$BEFORE tokenizer encode --tokenizer spm16000.model --threads 2 < data/input.txt > b2.ids"
  fi
done
echo "end: $(uptime)"
cmp spm.ids t1.ids && cmp spm.ids t2.ids && echo "ids identical to spm_encode's on 1 and 2 threads ($(wc -l < spm.ids) lines)"
cat pa.ids pb.ids | cmp - spm.ids && echo "and the two half runs' ids together"
[ -z "${BEFORE:-}" ] || { cmp spm.ids b1.ids && cmp spm.ids b2.ids && echo "the BEFORE CLI's ids too"; }
python3 - "$results" "$(stat -c %s data/input.txt)" "$(nproc)" "$work/phases.tsv" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, rss, cpu, load = line.split("\t")[:5]
    rows[name].append((float(wall), int(rss) / 1024, float(cpu), float(load)))
size, cores = int(sys.argv[2]), sys.argv[3]
med = lambda name, i: statistics.median(r[i] for r in rows[name])
peak = lambda name: max(r[1] for r in rows[name])
loads = [r[3] for v in rows.values() for r in v]
print(f"\n{size / 1e6:.1f} MB of Japanese text, {len(rows['spm_encode'])} alternating rounds, {cores} cores, "
      f"1-minute load average after each run {min(loads):.1f}–{max(loads):.1f}\n")
print("| command | median wall | median CPU (user+sys) | peak RSS | MB/s (wall) |")
print("|---|---|---|---|---|")
names = {"spm_encode": "spm_encode", "tsumugi-1thread": "tsumugi, --threads 1", "tsumugi-2threads": "tsumugi, --threads 2",
         "runtime-empty": "tsumugi, --threads 2, empty input (runtime)", "runtime-help": "tsumugi --help",
         "two-processes": "two processes at once, --threads 1, half of the lines each",
         "before-1thread": "before, --threads 1", "before-2threads": "before, --threads 2", "before-runtime-empty": "before, empty input"}
for k, label in names.items():
    if k not in rows: continue
    mbs = "–" if "empty" in k or "help" in k else f"{size / 1e6 / med(k, 0):.1f}"
    print(f"| {label} | {med(k, 0):.2f} s | {med(k, 2):.2f} s | {peak(k):.1f} MB | {mbs} |")
def scaling(prefix):
    one, two = rows[f"{prefix}-1thread"], rows[f"{prefix}-2threads"]
    return statistics.median(a[0] / b[0] for a, b in zip(one, two)), statistics.median(b[2] / a[2] for a, b in zip(one, two))
wall_ratio, cpu_ratio = scaling("tsumugi")
spm, runtime, worst = peak("spm_encode"), peak("runtime-empty"), max(peak("tsumugi-1thread"), peak("tsumugi-2threads"))
print(f"\n2 threads vs 1: **{wall_ratio:.2f}×** wall (median of per-round ratios; goal ≥ 1.8×), CPU {cpu_ratio:.2f}× one thread's")
phase = collections.defaultdict(list)
for line in open(sys.argv[4]):
    n, wall, cpu = line.split("\t"); phase[n].append((float(wall), float(cpu)))
p1, p2 = phase["phase-1"], phase["phase-2"]
print(f"encoding phase alone (--stats: after start-up and model load): 1 thread {statistics.median(w for w, _ in p1):.2f} s wall / "
      f"{statistics.median(c for _, c in p1):.2f} s CPU, 2 threads {statistics.median(w for w, _ in p2):.2f} s / "
      f"{statistics.median(c for _, c in p2):.2f} s; 2 vs 1 {statistics.median(a[0] / b[0] for a, b in zip(p1, p2)):.2f}× wall")
pair = phase["phase-pair"]
ceiling = statistics.median(a[0] / b[0] for a, b in zip(rows["tsumugi-1thread"], rows["two-processes"]))
print(f"two one-thread processes on half the lines each (this machine's ceiling for two workers): 1 thread ÷ pair "
      f"{ceiling:.2f}× whole process, {statistics.median(a[0] / b[0] for a, b in zip(p1, pair)):.2f}× phase; "
      f"the pair's wall ÷ 2 threads' {statistics.median(b[0] / a[0] for a, b in zip(rows['tsumugi-2threads'], rows['two-processes'])):.2f}× wall")
# What the CPU seconds imply on an idle machine: start-up and load (the empty-input run's CPU) stay serial, the rest
# spreads over two cores. A model, not a measurement: it is what the wall ratio would be with a core free per thread.
serial = med("runtime-empty", 2)
c1, c2 = med("tsumugi-1thread", 2), med("tsumugi-2threads", 2)
print(f"idle-machine estimate from CPU seconds (serial start-up {serial:.2f} s): 2 vs 1 ≈ {c1 / (serial + (c2 - serial) / 2):.2f}×")
if "before-1thread" in rows:
    w, c = scaling("before")
    print(f"before: 2 threads vs 1 {w:.2f}× wall, CPU {c:.2f}× one thread's; peak RSS {peak('before-2threads'):.1f} MB (2 threads), "
          f"{peak('before-runtime-empty'):.1f} MB (empty input)")
print(f"peak RSS {worst:.1f} MB vs limit 2 × spm_encode {spm:.1f} MB + runtime {runtime:.1f} MB = {2 * spm + runtime:.1f} MB "
      f"({'met' if worst <= 2 * spm + runtime else 'NOT met'}; above the runtime: {worst - runtime:.1f} MB)")
PY
