#!/usr/bin/env bash
# Merge benchmark: `tsumugi merge` of two randomly initialised 125m-preset models (fp32, 536 MB each) against plain
# copies of the same input safetensors, same machine, alternating rounds: `cp` (coreutils: copy_file_range, the copy
# never enters user space) and `dd bs=16M` (read(2) into user memory and write(2) back out: what a tool that looks at
# every byte must at least do), each also followed by `sync` of the copies (the merge fsyncs what it publishes).
# Prints every measurement, the medians and the ratios: throughput = copy time / merge time (≥ 0.5 wanted), peak RSS /
# the float32 buffers of the largest tensor set (largest tensor × (inputs + result)); ≤ 1.5 wanted).
# Wall time and CPU time (user+sys) are both reported: on a shared machine CPU time is the steadier figure.
# Usage: bench/merge/run.sh [ROUNDS=5]   (needs /usr/bin/time, bc)
#        TSUMUGI=/path/to/tsumugi bench/merge/run.sh 5   (use an already built CLI instead of building one)
source "$(dirname "$0")/../lib.sh"
rounds="${1:-5}"
bench_init mergebench
for s in 1 2; do [ -d "m$s" ] || "$T" model init --preset 125m --seed "$s" --output "m$s" >/dev/null; done
printf 'merge_method: linear\nmodels:\n  - model: m1\n    parameters: {weight: 0.5}\n  - model: m2\n    parameters: {weight: 0.5}\n' > linear.yaml
printf 'merge_method: slerp\nbase_model: m1\nmodels:\n  - model: m1\n  - model: m2\nparameters:\n  t: [0, 0.5, 1]\n' > slerp.yaml
printf 'merge_method: ties\nbase_model: m1\nmodels:\n  - model: m2\n    parameters: {weight: 1, density: 0.5}\n' > ties.yaml
echo -e "run\twall_s\tpeak_rss_kb\tcpu_s\tload"
for r in $(seq "$rounds"); do
  rm -rf copy; mkdir copy
  measure cp sh -c 'cp m1/model.safetensors copy/a && cp m2/model.safetensors copy/b'
  # The merge fsyncs what it publishes (AtomicFile); this is the copy held to the same durability.
  rm -rf copy; mkdir copy
  measure cp+sync sh -c 'cp m1/model.safetensors copy/a && cp m2/model.safetensors copy/b && sync copy/a copy/b'
  rm -rf copy; mkdir copy
  measure dd sh -c 'dd if=m1/model.safetensors of=copy/a bs=16M status=none && dd if=m2/model.safetensors of=copy/b bs=16M status=none'
  rm -rf copy; mkdir copy
  measure dd+sync sh -c 'dd if=m1/model.safetensors of=copy/a bs=16M status=none && dd if=m2/model.safetensors of=copy/b bs=16M status=none && sync copy/a copy/b'
  for m in linear slerp ties; do rm -rf "out-$m"; measure "$m" "$T" merge --config "$m.yaml" --output "out-$m"; done
done
# The largest tensor: 32000 × 768 (embeddings, lm_head) = 24,576,000 float32 = 98,304,000 bytes.
largest=98304000
col() { awk -v n="$1" -v c="$2" '$1==n {print $c}' "$results" | median; }
cp_wall=$(col cp 2); cp_cpu=$(col cp 4); sync_wall=$(col cp+sync 2)
dd_wall=$(col dd 2); dd_cpu=$(col dd 4); ddsync_wall=$(col dd+sync 2)
echo "medians over $rounds rounds: cp $cp_wall s (cpu $cp_cpu s), cp+sync $sync_wall s, dd $dd_wall s (cpu $dd_cpu s), dd+sync $ddsync_wall s"
ratio() { echo "$1 / $2" | bc -l; }
for m in linear slerp ties; do
  held=$((largest * 3))
  wall=$(col "$m" 2); cpu=$(col "$m" 4); rss=$(col "$m" 3)
  printf '%-7s wall %6.2f s: %.2f× cp, %.2f× cp+sync, %.2f× dd, %.2f× dd+sync; cpu %.2f s: %.2f× cp, %.2f× dd; peak RSS %d MB = %.2f× the %d MB largest set\n' \
    "$m" "$wall" "$(ratio "$cp_wall" "$wall")" "$(ratio "$sync_wall" "$wall")" "$(ratio "$dd_wall" "$wall")" "$(ratio "$ddsync_wall" "$wall")" \
    "$cpu" "$(ratio "$cp_cpu" "$cpu")" "$(ratio "$dd_cpu" "$cpu")" $((rss / 1024)) "$(echo "$rss * 1024 / $held" | bc -l)" $((held / 1000000))
done
