#!/usr/bin/env bash
# Byte-level BPE encode, end to end (issue 20): `tsumugi tokenizer encode --threads 1` vs npm @huggingface/tokenizers
# (a node script that loads the same tokenizer.json and encodes every line), alternating, on the Japanese text of
# ../shared/corpus with a 16k Llama 3-style vocabulary trained by Tsumugi. Prints wall seconds, MB/s per run, the
# median ratio, and whether the two id files are identical. Needs node and scripts/install-test-deps.sh's .build/npm.
# Usage: bench/tokenizer/byte_level_encode.sh [ROUNDS=3]
source "$(dirname "$0")/../lib.sh"
rounds="${1:-3}"
bench_init bbpebench
[ -f data/ja.txt ] || python3 "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.json ] || "$T" tokenizer train --kind byte-level-bpe --pre-tokenizer llama3 --input data/ja.txt \
  --vocab-size 16000 --special-tokens '<|end_of_text|>' --output tok >/dev/null
cat > encode.mjs <<JS
import { Tokenizer } from "$root/.build/npm/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs";
import fs from "fs";
const tok = new Tokenizer(JSON.parse(fs.readFileSync("tok/tokenizer.json", "utf8")), JSON.parse(fs.readFileSync("tok/tokenizer_config.json", "utf8")));
const out = fs.readFileSync("data/ja.txt", "utf8").split("\n").map(l => tok.encode(l, { add_special_tokens: false }).ids.join(" "));
if (out[out.length - 1] === "") out.pop();
fs.writeFileSync("ids-js.txt", out.join("\n") + "\n");
JS
mb=$(python3 -c "import os; print(os.path.getsize('data/ja.txt') / 1e6)")
echo "start: $(uptime); $(nproc) cores; ${mb} MB"
for r in $(seq "$rounds"); do
  measure tsumugi bash -c "\"$T\" tokenizer encode --tokenizer tok --threads 1 < data/ja.txt > ids-tsumugi.txt"
  measure hf-js node encode.mjs
done
echo "end: $(uptime)"
cmp -s ids-tsumugi.txt ids-js.txt && echo "outputs identical" || echo "OUTPUTS DIFFER"
python3 - "$results" "$mb" <<'PY'
import statistics, sys, collections
walls = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, *_ = line.rstrip("\n").split("\t"); walls[name].append(float(wall))
mb = float(sys.argv[2])
for name, w in walls.items(): print(f"  {name:8s} median {statistics.median(w):6.2f} s  {mb / statistics.median(w):6.2f} MB/s  runs {w}")
print(f"  tsumugi / hf-js speed: {statistics.median(walls['hf-js']) / statistics.median(walls['tsumugi']):.2f}x")
PY
