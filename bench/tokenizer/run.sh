#!/usr/bin/env bash
# Tokenizer benchmark: Tsumugi vs sentencepiece (Unigram with identity and with nmt_nfkc normalization) (spm_train / spm_encode) on ../shared/corpus text, same machine,
# alternating rounds. Prints every measurement and the medians/ratios.
# Wall time and CPU time (user+sys) are both reported: on a shared machine CPU time is the steadier figure.
# Both encoders run the same spm_train model, and their outputs are compared byte for byte.
# Usage: bench/tokenizer/run.sh [ROUNDS=3]   (needs: scripts/install-test-deps.sh, python3, /usr/bin/time)
#        TSUMUGI=/path/to/tsumugi bench/tokenizer/run.sh 3   (use an already built CLI instead of building one)
#        BPE=0 bench/tokenizer/run.sh   (skip the BPE trainings: spm_train's take ~25-40 s each)
source "$(dirname "$0")/../lib.sh"
rounds="${1:-3}"
bench_init tokbench
python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" "$work/data" >/dev/null
for i in 1 2 3; do cat data/ja.txt; done > data/ja-x3.txt
for i in 1 2 3 4 5 6 7 8 9 10; do cat data/ja.txt; done > data/ja-x10.txt # long enough for thread scaling to show past start-up
echo "start: $(uptime)"
for vocab in 16000 32000; do
  for r in $(seq "$rounds"); do
    measure "train-spm-$vocab" spm_train --input=data/ja.txt --model_prefix="spm$vocab" --model_type=unigram --vocab_size=$vocab \
      --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false --num_threads=2 --minloglevel=2
    measure "train-tsumugi-$vocab" "$T" tokenizer train --input data/ja.txt --output "ours$vocab" --vocab-size $vocab --threads 2 \
      --normalization identity --allow-smaller-vocab
    # spm_train's default normalization (Tsumugi's default too), whitespace kept on both sides.
    measure "train-spm-nfkc-$vocab" spm_train --input=data/ja.txt --model_prefix="spmnfkc$vocab" --model_type=unigram --vocab_size=$vocab \
      --byte_fallback=true --normalization_rule_name=nmt_nfkc --remove_extra_whitespaces=false --num_threads=2 --minloglevel=2
    measure "train-tsumugi-nfkc-$vocab" "$T" tokenizer train --input data/ja.txt --output "oursnfkc$vocab" --vocab-size $vocab --threads 2 \
      --normalization nmt_nfkc --allow-smaller-vocab
  done
done
if [ "${BPE:-1}" != 0 ]; then
  for vocab in 16000 32000; do
    for r in $(seq "$rounds"); do
      measure "train-spm-bpe-$vocab" spm_train --input=data/ja.txt --model_prefix="spmbpe$vocab" --model_type=bpe --vocab_size=$vocab \
        --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false --num_threads=2 --minloglevel=2
      measure "train-tsumugi-bpe-$vocab" "$T" tokenizer train --input data/ja.txt --output "oursbpe$vocab" --vocab-size $vocab --threads 2 --model-type bpe \
        --normalization identity --allow-smaller-vocab
    done
  done
fi
for r in $(seq "$rounds"); do
  measure "encode-spm-1thread" sh -c "spm_encode --model=spm16000.model --output_format=id < data/ja-x3.txt > spm.ids"
  measure "encode-tsumugi-1thread" sh -c "$T tokenizer encode --tokenizer spm16000.model --threads 1 < data/ja-x3.txt > t1.ids"
  measure "encode-tsumugi-2threads" sh -c "$T tokenizer encode --tokenizer spm16000.model --threads 2 < data/ja-x3.txt > t2.ids"
  measure "encode-x10-tsumugi-1thread" sh -c "$T tokenizer encode --tokenizer spm16000.model --threads 1 < data/ja-x10.txt > /dev/null"
  measure "encode-x10-tsumugi-2threads" sh -c "$T tokenizer encode --tokenizer spm16000.model --threads 2 < data/ja-x10.txt > /dev/null"
done
echo "end: $(uptime)"
cmp spm.ids t1.ids && cmp spm.ids t2.ids && echo "encode: ids identical to spm_encode ($(wc -l < spm.ids) lines)"
bpe=(); [ "${BPE:-1}" != 0 ] && bpe=(--tokenizer spmbpe16000.model --tokenizer oursbpe16000 --tokenizer spmbpe32000.model --tokenizer oursbpe32000)
"$T" tokenizer eval --tokenizer spm16000.model --tokenizer ours16000 --tokenizer spm32000.model --tokenizer ours32000 "${bpe[@]}" --input data/heldout
python3 - "$results" "$(stat -c %s data/ja-x3.txt)" "$(stat -c %s data/ja-x10.txt)" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, rss, cpu = line.split("\t")[:4]; rows[name].append((float(wall), int(rss), float(cpu)))
size, size10 = int(sys.argv[2]), int(sys.argv[3])
med = {k: (statistics.median(w for w, _, _ in v), max(r for _, r, _ in v), statistics.median(c for _, _, c in v)) for k, v in rows.items()}
for k, (w, r, c) in sorted(med.items()):
    extra = f"  {(size10 if 'x10' in k else size) / w / 1e6:.2f} MB/s" if k.startswith("encode") else ""
    print(f"{k:28s} median wall {w:7.2f} s  median cpu {c:7.2f} s  peak RSS {r / 1024:7.1f} MB{extra}")
for kind in ("", "nfkc-", "bpe-"):
    for v in ("16000", "32000"):
        if f"train-spm-{kind}{v}" not in med: continue
        s, t = med[f"train-spm-{kind}{v}"], med[f"train-tsumugi-{kind}{v}"]
        print(f"train {kind}{v}: speed-up {s[0] / t[0]:.2f}x wall, {s[2] / t[2]:.2f}x cpu; memory ratio {t[1] / s[1]:.2f}x")
s = med["encode-spm-1thread"]
for k in ("encode-tsumugi-1thread", "encode-tsumugi-2threads"):
    print(f"{k}: {s[0] / med[k][0]:.2f}x spm_encode wall, {s[2] / med[k][2]:.2f}x cpu")
one, two = med["encode-x10-tsumugi-1thread"], med["encode-x10-tsumugi-2threads"]
print(f"encode scaling (ja x10, {size10 / 1e6:.0f} MB): 2 threads {one[0] / two[0]:.2f}x 1 thread wall")
PY
