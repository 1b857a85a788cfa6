#!/usr/bin/env bash
# Judging throughput (issue 21): `eval arena judge` on the shipped MT-Bench sample (8 questions, 16 turns) for three
# models' answers — 3 pairs × 16 turns × 2 position orders = 96 judge requests a run — against a local stand-in judge
# that answers every request after a fixed latency (LATENCY_MS, default 200 ms, like a remote API), with --concurrency
# 1 and 8, alternating, ROUNDS rounds. Prints judgments/s per run (the command's own "Judged:" line: judging only,
# no process start), the medians and the ratio. No model is loaded: the answers are FastChat model_answer files.
# Usage: bench/eval/judge_concurrency.sh            (ROUNDS=3 LATENCY_MS=200 CONCURRENCY="1 8")
source "$(dirname "$0")/../lib.sh"
ROUNDS=${ROUNDS:-3}; LATENCY_MS=${LATENCY_MS:-200}; CONCURRENCY=${CONCURRENCY:-"1 8"}
PY=/usr/bin/python3
bench_init judge-concurrency
questions="$root/configs/eval/mt-bench-sample.jsonl"
mkdir -p answers
# Three models' answers to every question (FastChat model_answer format), distinct texts per model.
$PY - "$questions" answers <<'PY'
import json, sys
qs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
for m in ("alpha", "beta", "gamma"):
    with open(f"{sys.argv[2]}/{m}.jsonl", "w", encoding="utf-8") as f:
        for q in qs:
            turns = [f"{m} の回答 {q['question_id']}-{t + 1}: " + "説明" * 40 for t in range(len(q["turns"]))]
            f.write(json.dumps({"question_id": q["question_id"], "model_id": m, "choices": [{"index": 0, "turns": turns}]}, ensure_ascii=False) + "\n")
PY
# The stand-in judge: OpenAI-compatible, one thread per request, sleeps LATENCY_MS, then prefers assistant A.
cat > judge.py <<'PY'
import json, sys, time, http.server
latency = int(sys.argv[2]) / 1000
class Judge(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body in one segment, Nagle off: otherwise each answer also waits ~40 ms for the client's delayed ACK.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(latency)
        out = json.dumps({"id": "j", "object": "chat.completion", "created": 0, "model": body["model"],
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": "Aが良い。[[A]]"},
                                       "finish_reason": "stop", "logprobs": None}]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Judge).serve_forever()
PY
port=$($PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
$PY judge.py "$port" "$LATENCY_MS" & judge_pid=$!
trap 'kill $judge_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "== eval arena judge: 96 judge requests a run, judge latency ${LATENCY_MS} ms, ${ROUNDS} rounds, $(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg)"
: > rates.tsv
for r in $(seq "$ROUNDS"); do
  for c in $CONCURRENCY; do
    "$T" eval arena judge --questions "$questions" --answers answers/alpha.jsonl answers/beta.jsonl answers/gamma.jsonl \
      --judge-url "http://127.0.0.1:$port/v1" --judge-model stand-in --concurrency "$c" >run.out 2>run.err \
      || { echo "concurrency $c failed:" >&2; tail -5 run.err >&2; exit 1; }
    line=$(grep '^Judged:' run.err)
    rate=$(sed -E 's/.*\(([0-9.]+) judgments\/s\).*/\1/' <<<"$line")
    printf 'c%s\t%s\n' "$c" "$rate" >> rates.tsv
    echo "round $r concurrency $c: $line"
  done
done
$PY - rates.tsv $CONCURRENCY <<'PY'
import collections, statistics, sys
rates = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, rate = line.split("\t"); rates[name].append(float(rate))
levels = sys.argv[2:]
med = {c: statistics.median(rates["c" + c]) for c in levels}
for c in levels: print(f"median concurrency {c}: {med[c]:.2f} judgments/s")
base = levels[0]
for c in levels[1:]: print(f"ratio concurrency {c} / {base}: {med[c] / med[base]:.2f}x")
PY
