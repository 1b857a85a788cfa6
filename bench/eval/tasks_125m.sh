#!/usr/bin/env bash
# `eval tasks` throughput on a 125m model (issues 21, 25): one generation task (N prompts from ../shared/corpus, 4 shots,
# output_length 32) with --batch-size 1 (one prompt at a time), 8 (continuous batching, on torch at f32 by default) and
# 8 with --engine native (the native engine at f32), alternating in the same run, end to end
# (process start, model load, generation, scoring, result file). Prints each run's wall seconds and prompts/s, the
# medians and the ratios, and checks that all three give the same scores.
# Usage: bench/eval/tasks_125m.sh [ROUNDS=3] [N=24] [WORK=/tmp/tsumugi-eval125m]
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-3}"; n="${2:-24}"; W="${3:-/tmp/tsumugi-eval125m}"
cd "$root"
dotnet build src/Tsumugi.Cli -c Release --nologo -v q >/dev/null
T="dotnet src/Tsumugi.Cli/bin/Release/net10.0/tsumugi.dll"
mkdir -p "$W"
if [ ! -f "$W/model/config.json" ]; then
  python3 bench/tokenizer/extract_text.py ../shared/corpus "$W/text" >/dev/null
  $T tokenizer train --input "$W/text/ja.txt" --output "$W/tok" --vocab-size 32000 --character-coverage 0.9995 --threads 2 >/dev/null
  $T model init --preset 125m --tokenizer "$W/tok" --output "$W/model" --seed 3 >/dev/null
fi
# A QA-style generation task in llm-jp-eval's format: "what follows this sentence?", gold = the next 12 characters.
python3 - "$W/text/ja.txt" "$W/gen.json" "$n" <<'PY'
import json, sys
lines = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if 40 <= len(l.strip()) <= 200]
def example(i):
    text = lines[(i * 13) % len(lines)]
    return {"input": f"文章：{text[:40]}\n続きを書いてください。", "output": text[40:52]}
task = {"instruction": "文章の続きを書いてください。", "output_length": 32, "metrics": ["char_f1", "exact_match"],
        "few_shots": [example(5000 + i) for i in range(4)], "samples": [example(i) for i in range(int(sys.argv[3]))]}
json.dump(task, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
uptime
rm -f "$W"/err-*.txt
arms=("1:--batch-size 1" "8:--batch-size 8" "8-native:--batch-size 8 --engine native")
for r in $(seq "$rounds"); do
  for arm in "${arms[@]}"; do
    name=${arm%%:*}
    s=$(date +%s.%N)
    $T eval tasks --model "$W/model" --tasks "$W/gen.json" ${arm#*:} --output "$W/out-$name.json" >/dev/null 2>"$W/err-$name.txt"
    e=$(date +%s.%N)
    python3 -c "s,e,n=$s,$e,$n; print(f'round=$r arm=$name seconds={e-s:.2f} prompts_per_s={n/(e-s):.3f}')"
  done
done | tee "$W/runs.txt"
grep -h "generation decoder" "$W"/err-*.txt
python3 - "$W" <<'PY'
import json, re, statistics, sys
w = sys.argv[1]
runs = [dict(re.findall(r"(\w+)=([\w.-]+)", l)) for l in open(f"{w}/runs.txt")]
arms = ("1", "8", "8-native")
med = {a: statistics.median(float(r["seconds"]) for r in runs if r["arm"] == a) for a in arms}
print(f"median seconds: batch 1 {med['1']:.2f}, batch 8 {med['8']:.2f}, batch 8 on the native engine {med['8-native']:.2f}")
print(f"throughput ratios: batch 8 / batch 1 {med['1'] / med['8']:.2f}x, native engine / torch at batch 8 {med['8'] / med['8-native']:.2f}x")
scores = {a: json.load(open(f"{w}/out-{a}.json"))["metrics"] for a in arms}
print("scores equal across the three:", scores["1"] == scores["8"] == scores["8-native"], scores["8"])
PY
