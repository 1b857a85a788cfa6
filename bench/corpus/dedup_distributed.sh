#!/usr/bin/env bash
# Dedup wall time: one process (`corpus dedup`) vs the four distributed stages with TASKS tasks each (mpirun ranks on
# this machine; the cluster stage is one process), on the whole ../shared/corpus cleaned with configs/corpus-docs.yaml
# and repeated SCALE times (each copy in its own folder, so every copy after the first is an exact duplicate and the
# near duplicates inside the manuals repeat too). Alternating rounds, medians; checks the outputs are byte-identical.
#   bench/corpus/dedup_distributed.sh                (TASKS=4 SCALE=4 ROUNDS=3)
# On one machine the distributed run measures the stages' overhead (extra files, process start-up, per-stage
# re-reads), not a speed-up: the point of the stages is that no node holds every signature.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
W=${W:-/tmp/tsumugi-bench-ddedup}
ART=${ART:-/tmp/art-ddedup}
TASKS=${TASKS:-4}
SCALE=${SCALE:-4}
ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-$(nproc)}   # threads of the single process; each of the TASKS ranks gets 1
SKIP_BUILD=${SKIP_BUILD:-0}
command -v mpirun >/dev/null || { echo "mpirun not found: scripts/install-test-deps.sh installs openmpi-bin" >&2; exit 1; }
rm -rf "$W"; mkdir -p "$W"
[ "$SKIP_BUILD" = 1 ] || dotnet build "$ROOT/src/Tsumugi.Cli" -c Release --artifacts-path "$ART" -v q -nologo >/dev/null
T="$ART/bin/Tsumugi.Cli/release/tsumugi"
MPI="mpirun --allow-run-as-root --oversubscribe -np $TASKS"

"$T" corpus clean --config "$ROOT/configs/corpus-docs.yaml" --input "$CORPUS" --output "$W/clean1" >/dev/null
mkdir -p "$W/input"
for k in $(seq 0 $((SCALE - 1))); do cp -r "$W/clean1" "$W/input/c$k"; done
docs=$(python3 -c "import json,glob;print(sum(json.load(open(f))['docs_kept'] for f in glob.glob('$W/input/*/summary.json')))")
echo "== input: $W/input, $SCALE copies of the cleaned corpus ($(du -sh "$W/input" | cut -f1), $docs documents, $(ls "$W"/input/*/*.jsonl.zst | wc -l) shards); $TASKS tasks; $ROUNDS rounds; $(nproc) cpus"

now() { date +%s.%N; }
single_t=(); dist_t=(); stage_t=()
for r in $(seq "$ROUNDS"); do
  rm -rf "$W/single" "$W/dist" "$W/work"
  t0=$(now); "$T" corpus dedup --input "$W/input" --output "$W/single" --workers "$WORKERS" >/dev/null; t1=$(now)
  single_t+=("$(echo "$t1 - $t0" | bc)")
  line=""
  t0=$(now)
  for stage in signatures buckets cluster filter; do
    s0=$(now)
    case $stage in
      signatures) $MPI "$T" corpus dedup --stage signatures --work "$W/work" --input "$W/input" --workers 1 >/dev/null ;;
      buckets)    $MPI "$T" corpus dedup --stage buckets --work "$W/work" --workers 1 >/dev/null ;;
      cluster)    "$T" corpus dedup --stage cluster --work "$W/work" >/dev/null ;;
      filter)     $MPI "$T" corpus dedup --stage filter --work "$W/work" --input "$W/input" --output "$W/dist" --workers 1 >/dev/null ;;
    esac
    line+="$stage $(echo "$(now) - $s0" | bc | xargs printf '%.2f') s; "
  done
  t1=$(now)
  dist_t+=("$(echo "$t1 - $t0" | bc)")
  stage_t+=("$line")
  diff -rq --exclude=dedup-summary.json "$W/single" "$W/dist" >/dev/null || { echo "round $r: OUTPUTS DIFFER" >&2; exit 1; }
  printf 'round %d: single %.2f s, distributed %.2f s (%s) — outputs byte-identical\n' "$r" "${single_t[-1]}" "${dist_t[-1]}" "$line"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms=$(median "${single_t[@]}"); md=$(median "${dist_t[@]}")
python3 - "$W/single/dedup-summary.json" <<PY
import json,sys
s=json.load(open(sys.argv[1]))
print(f"dedup: {s['docs_in']:,} in, {s['exact_duplicates']:,} exact + {s['near_duplicates']:,} near duplicates, {s['docs_kept']:,} kept")
PY
printf 'median wall: single process (%s workers) %.2f s; %s-task distributed (4 stages) %.2f s; ratio distributed/single %.2f\n' \
  "$WORKERS" "$ms" "$TASKS" "$md" "$(echo "$md / $ms" | bc -l)"
du -sh "$W/work" | awk '{print "work folder (signatures + buckets + removal lists): " $1}'
