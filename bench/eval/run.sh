#!/usr/bin/env bash
# Evaluation batching (issue 6): `eval perplexity`, `eval tasks configs/eval` and a generated multiple-choice task
# (40 questions × 4 choices, 4 shots, passages from ../shared/corpus) with --batch-size 1 and 8, alternating, on an
# `11m` model with the demo's tokenizer and 30 kB of Japanese text from ../shared/corpus.
# Usage: bench/eval/run.sh [ROUNDS=3] [WORK=/tmp/tsumugi-eval-bench]   (needs demo-output/tokenizer: run ./tsumugi demo first)
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-3}"; W="${2:-/tmp/tsumugi-eval-bench}"
cd "$root"
dotnet build src/Tsumugi.Cli -c Release --nologo -v q >/dev/null
T="dotnet src/Tsumugi.Cli/bin/Release/net10.0/tsumugi.dll"
mkdir -p "$W"
[ -f "$W/m11/config.json" ] || $T model init --preset 11m --tokenizer demo-output/tokenizer --output "$W/m11" --seed 3 >/dev/null
find ../shared/corpus/ja -name '*.html' | sort | head -40 | xargs cat 2>/dev/null | sed -e 's/<[^>]*>/\n/g' | awk 'length($0) >= 8' | head -c 30000 > "$W/ja.txt" || true
# A multiple-choice task in llm-jp-eval's format: each question quotes a passage and offers four continuations.
python3 - "$W/ja.txt" "$W/mc_bench.json" <<'PY'
import json, random, sys
lines = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if len(l.strip()) >= 40]
rnd = random.Random(1)
def example(i):
    text = lines[i % len(lines)]
    choices = [text[30:40]] + [lines[(i * 7 + k) % len(lines)][30:40] for k in (1, 2, 3)]
    rnd.shuffle(choices)
    return {"input": f"文章：{text[:30]}…\n続きはどれですか。", "output": text[30:40], "choices": choices}
task = {"instruction": "文章の続きとして正しいものを選択肢から選んでください。", "metrics": ["acc", "acc_norm"],
        "few_shots": [example(1000 + i) for i in range(4)], "samples": [example(i) for i in range(40)]}
json.dump(task, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
uptime
for r in $(seq "$rounds"); do
  for b in 1 8; do
    line=$($T eval perplexity --model "$W/m11" --input "$W/ja.txt" --domain ja --context 256 --stride 128 --batch-size $b --output "$W/ppl-$b.json" 2>&1 | tr '\n' ' ' | grep -o "tokens in [0-9.]* s")
    echo "round=$r perplexity batch=$b scoring: $line ppl=$(python3 -c "import json;print(json.load(open('$W/ppl-$b.json'))['metrics']['ppl/ja'])")"
    s=$(date +%s.%N); $T eval tasks --model "$W/m11" --tasks configs/eval --batch-size $b --output "$W/tasks-$b.json" >/dev/null; e=$(date +%s.%N)
    secs=$($T eval tasks --model "$W/m11" --tasks "$W/mc_bench.json" --shots 4 --batch-size $b --output "$W/mc-$b.json" 2>&1 | grep "│ mc_bench" | head -1 | awk -F'│' '{gsub(/ /, "", $7); print $7}')
    echo "round=$r multiple-choice batch=$b task seconds=$secs acc=$(python3 -c "import json;print(json.load(open('$W/mc-$b.json'))['metrics']['mc_bench/acc'])")"
    echo "round=$r tasks batch=$b seconds=$(python3 -c "print(round($e-$s,2))") avg=$(python3 -c "import json;print(json.load(open('$W/tasks-$b.json'))['metrics'].get('avg'))")"
  done
done
