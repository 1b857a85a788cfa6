#!/usr/bin/env bash
# Data-parallel scale-out benchmark (issue 22): `tsumugi train` on the $PRESETS presets (11m, 40m; vocab 8192) at
# seq_length $SEQ (256), every arm with the same global batch G = $MBS (2) rows × $ACCUM (2) micro-batches × $SEQ:
#   1x1        one process, 1 thread, $MBS rows × $ACCUM accumulation;
#   2x1        mpirun -np 2, 1 thread per rank, each rank $MBS rows × $ACCUM/2 accumulation (mpirun's default
#              transport: shared memory between ranks of one node, vader under OpenMPI 4's pml ob1);
#   2x1-zero1  as 2x1 with parallel.zero=1 (AdamW state sharded over the ranks);
#   2x1-tcp    as 2x1 over TCP on the loopback interface (pml ob1, btl tcp,self), standing in for two nodes.
# Arms alternate within each round and the order is reversed every round, so a noisy neighbour hurts all arms alike.
# Per arm: tokens/s = median of the per-step figures in metrics.jsonl after step 2 (the first steps pay allocation
# and start-up), comm s/step = median comm_s and its median share of the step (global batch tokens / tokens_per_s),
# the loss curve's largest relative difference from 1x1's (data parallelism must not change the curve: > 1e-5 in the
# first 10 steps, before round-off has grown chaotically, is
# reported as a mismatch and the script exits 1), wall time and peak RSS of the largest process (/usr/bin/time: for
# mpirun, the largest rank), and the optimizer state per rank in the final checkpoint (optimizer.safetensors for
# one process and plain DP; each rank's optimizer-rank-*.safetensors shard with ZeRO-1, ≈ half). Scaling
# efficiency = tokens/s(2 ranks) / (2 × tokens/s(1x1)). Data: an 8,000-piece tokenizer trained on
# ../shared/corpus/ja, tokenized. Defaults take ≲ 10 minutes with ROUNDS=1 on 2 idle cores.
# Usage: bench/training/scale_out.sh [ROUNDS=1]   (needs mpirun (OpenMPI), python3, /usr/bin/time, bc)
#        PRESETS="11m 40m" STEPS=12 SEQ=256 MBS=2 ACCUM=2 TSUMUGI=/path/to/tsumugi bench/training/scale_out.sh
source "$(dirname "$0")/../lib.sh"
rounds="${1:-1}"
steps="${STEPS:-12}"; seq="${SEQ:-256}"; mbs="${MBS:-2}"; accum="${ACCUM:-2}"; presets="${PRESETS:-11m 40m}"
[ $((accum % 2)) = 0 ] || { echo "ACCUM=$accum must be even: the 2-rank arms run ACCUM/2 micro-batches per rank" >&2; exit 2; }
[ "$steps" -gt 2 ] || { echo "STEPS=$steps must be above 2: tokens/s is the median over the steps after step 2" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "mpirun not found: install OpenMPI (apt-get install openmpi-bin)" >&2; exit 2; }
bench_init scaleout
[ -f data/ja.txt ] || python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.model ] || "$T" tokenizer train --input data/ja.txt --output tok --vocab-size 8000 --threads 2 >/dev/null
[ -f pre/manifest.json ] || "$T" data tokenize --input data/ja.txt --tokenizer tok --output pre --name ja >/dev/null
global=$((seq * mbs * accum))
# checkpoint.interval=0: the only checkpoint is the final one, whose optimizer files give the state per rank.
same=(--set data.path=pre --set model.vocab_size=8192 --set train.seq_length="$seq" --set train.micro_batch_size="$mbs"
  --set train.global_batch_tokens="$global" --set train.max_steps="$steps" --set train.threads=1
  --set schedule.warmup_steps=1 --set eval.interval=0 --set checkpoint.interval=0 --set log.interval=1
  --set log.tensorboard=false --set data.validation_fraction=0)
# --bind-to none: OpenMPI would pin each rank to a core otherwise; -x exports the thread count to the ranks.
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 -x OMP_NUM_THREADS=1)
# UCX, when installed, is OpenMPI's default pml and ignores the btl list, hence pml ob1; OpenMPI's TCP transport
# leaves out the loopback interface unless told to include it.
tcp=(--mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include lo)
cores=$(nproc) # before OMP_NUM_THREADS=1, which nproc would report instead
export OMP_NUM_THREADS=1
arms_jsonl="$work/arms.jsonl"; : > "$arms_jsonl"
train() { # preset, arm, round
  local preset="$1" arm="$2" run="$work/run-$1-$2" launcher=() zero=0
  case "$arm" in
    1x1) ;;
    2x1) launcher=("${mpi[@]}") ;;
    2x1-zero1) launcher=("${mpi[@]}"); zero=1 ;;
    2x1-tcp) launcher=("${mpi[@]}" "${tcp[@]}") ;;
  esac
  rm -rf "$run"
  measure "$preset/$arm" "${launcher[@]}" "$T" train --config "$root/configs/tiny.yaml" --output "$run" "${same[@]}" \
    --set model.preset="$preset" --set parallel.zero="$zero"
  python3 - "$run" "$preset" "$arm" "$3" "$global" >> "$arms_jsonl" <<'PY'
import glob, json, os, statistics, sys
run, preset, arm, rnd, global_tokens = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rows = [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl")) if l.strip()]
timed = [r for r in rows if r["step"] > 2]
comm = [r["comm_s"] for r in timed if "comm_s" in r]
if arm != "1x1" and len(comm) != len(timed):
    sys.exit(f"{run}/metrics.jsonl: comm_s is missing on {len(timed) - len(comm)} of the {len(timed)} steps after step 2 of a 2-rank run")
checkpoints = sorted(glob.glob(os.path.join(run, "checkpoints", "step-*")), key=lambda p: int(p.rsplit("-", 1)[1]))
if not checkpoints: sys.exit(f"{run}/checkpoints: no checkpoint was written at the end of the run")
optimizer = sorted(glob.glob(os.path.join(checkpoints[-1], "optimizer*.safetensors")))
if not optimizer: sys.exit(f"{checkpoints[-1]}: no optimizer*.safetensors")
print(json.dumps({
    "preset": preset, "arm": arm, "round": rnd,
    "tokens_per_s": statistics.median(r["tokens_per_s"] for r in timed),
    "comm_s": statistics.median(comm) if comm else None,
    "comm_share": statistics.median(r["comm_s"] * r["tokens_per_s"] / global_tokens for r in timed) if comm else None,
    "losses": [r["loss"] for r in rows],
    "optimizer_bytes": {os.path.basename(p): os.path.getsize(p) for p in optimizer},
}))
print(f"  steps: {statistics.median(r['tokens_per_s'] for r in timed):.1f} tokens/s, comm {statistics.median(comm) if comm else '-'} s/step, "
      f"last loss {rows[-1]['loss']:.6f}, optimizer {', '.join(f'{os.path.basename(p)} {os.path.getsize(p) / 2**20:.1f} MiB' for p in optimizer)}",
      file=sys.stderr)
PY
  rm -rf "$run"
}
echo "start: $(uptime); $cores cores; presets $presets; $steps steps × $global tokens ($accum × $mbs rows × $seq tokens)"
echo -e "run\twall_s\tpeak_rss_kb\tcpu_s\tload"
order=(1x1 2x1 2x1-zero1 2x1-tcp)
for preset in $presets; do
  for r in $(seq "$rounds"); do
    for arm in "${order[@]}"; do train "$preset" "$arm" "$r"; done
    order=($(printf '%s\n' "${order[@]}" | tac))
  done
done
echo "end: $(uptime)"
python3 - "$results" "$arms_jsonl" <<'PY'
import collections, json, statistics, sys
med = statistics.median
wall, rss = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, w, kb, cpu, load = line.rstrip("\n").split("\t"); wall[name].append(float(w)); rss[name].append(int(kb))
arms = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
by = collections.defaultdict(list)
for a in arms: by[a["preset"], a["arm"]].append(a)
# Each arm's loss curve against 1x1's of the same preset and round (the curves do not depend on the round either).
base = {(a["preset"], a["round"]): a["losses"] for a in arms if a["arm"] == "1x1"}
# fp32 round-off (ZeRO-1 sums its clipping norm from shards) grows chaotically over a run (scale-out.md §5: ~1e-7 at
# the first differing step, ~1e-4 after 40 steps at lr 3e-3), so the check is on the first 10 steps; the whole
# curve's difference is printed beside it.
CHECKED_STEPS = 10
def rel_diff(a, steps=None):
    ref = base[a["preset"], a["round"]]
    if len(ref) != len(a["losses"]): return float("inf")
    return max(abs(x - y) / abs(y) for x, y in list(zip(a["losses"], ref))[:steps])
mismatch = False
print(f"{'preset':6s} {'arm':10s} {'tokens/s':>9s} {'eff':>5s} {'comm s/step':>11s} {'comm %':>6s} {'opt MiB/rank':>12s} "
      f"{'rel diff ≤10':>12s} {'rel diff all':>12s} {'wall s':>7s} {'RSS MB':>7s}")
for preset in dict.fromkeys(a["preset"] for a in arms):
    single = med(a["tokens_per_s"] for a in by[preset, "1x1"])
    plain_optimizer = None
    for arm in ("1x1", "2x1", "2x1-zero1", "2x1-tcp"):
        runs = by[preset, arm]
        speed = med(a["tokens_per_s"] for a in runs)
        eff = "" if arm == "1x1" else f"{speed / (2 * single):5.2f}"
        comm = [a["comm_s"] for a in runs if a["comm_s"] is not None]
        share = [a["comm_share"] for a in runs if a["comm_share"] is not None]
        per_rank = max(runs[-1]["optimizer_bytes"].values())
        if arm == "2x1": plain_optimizer = per_rank
        diff = max(rel_diff(a, CHECKED_STEPS) for a in runs)
        whole = max(rel_diff(a) for a in runs)
        mismatch |= diff > 1e-5
        print(f"{preset:6s} {arm:10s} {speed:9.1f} {eff:>5s} {f'{med(comm):.4f}' if comm else '-':>11s} "
              f"{f'{100 * med(share):.1f}' if share else '-':>6s} {per_rank / 2**20:12.1f} {diff:12.2e} {whole:12.2e} "
              f"{med(wall[f'{preset}/{arm}']):7.1f} {med(rss[f'{preset}/{arm}']) / 1024:7.1f}")
    shards = by[preset, "2x1-zero1"][-1]["optimizer_bytes"]
    print(f"  {preset} ZeRO-1 optimizer state per rank: " + ", ".join(f"{n} {b / 2**20:.1f} MiB" for n, b in shards.items()) +
          f"; plain DP {plain_optimizer / 2**20:.1f} MiB; ratio {max(shards.values()) / plain_optimizer:.3f}")
if mismatch:
    sys.exit(f"loss curves differ from 1x1 by more than 1e-5 relative in the first {CHECKED_STEPS} steps: data parallelism changed the training")
PY
