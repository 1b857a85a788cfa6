#!/usr/bin/env bash
# Is `tsumugi synth` ever the bottleneck? (issue 23) The regenerate recipe, concurrency 8, against
# `tsumugi serve --max-batch 8` on a random-weight model (PRESET, default 11m, with an 8,192-piece tokenizer trained on
# ../shared/corpus/ja): PROMPTS Debian questions (default 64), max_tokens 64, allow_truncated, the shipped gates;
# ROUNDS rounds (default 3), a fresh --output each, after one unmeasured warm-up run.
#   client throughput  = completion tokens / the run's seconds (the CLI's own "throughput … over S s" line: the run
#                        only, no process start or config check);
#   server aggregate   = Δcompletion_tokens / Δbusy_seconds of serve's GET /metrics around the run (busy: ≥ 1 request
#                        in flight), i.e. what the server decodes while it has work;
#   ratio              = client / server. Goal: ≥ 0.9 (the client keeps the server fed).
# Overhead per request: the same recipe and gates against a zero-latency stand-in (Python, answers at once with 64
# tokens of usage), PROMPTS and STUB_REQUESTS (default 1024) requests a round: the PROMPTS run's seconds / requests, and
# the marginal wall and CPU cost of a request — (large − small) / (difference in requests) — i.e. the client's cost per
# request with 8 in flight (JSON, HTTP, request cache, journal, gates) plus the stand-in's own, without fixed costs.
# Usage: bench/synth/serve_concurrency.sh   (ROUNDS=3 PROMPTS=64 MAX_TOKENS=64 PRESET=11m STUB_REQUESTS=1024; TSUMUGI=/path/to/tsumugi)
source "$(dirname "$0")/../lib.sh"
ROUNDS=${ROUNDS:-3}; PROMPTS=${PROMPTS:-64}; MAX_TOKENS=${MAX_TOKENS:-64}; PRESET=${PRESET:-11m}; STUB_REQUESTS=${STUB_REQUESTS:-1024}
PY=/usr/bin/python3
bench_init synth-serve
[ -f data/ja.txt ] || $PY "$root/bench/tokenizer/extract_text.py" "$root/../shared/corpus" data >/dev/null
[ -f tok/tokenizer.model ] || { head -c 4000000 data/ja.txt > tok-input.txt; "$T" tokenizer train --input tok-input.txt --output tok --vocab-size 8192 --threads 2 >/dev/null; }
[ -f "model-$PRESET/config.json" ] || "$T" model init --preset "$PRESET" --tokenizer tok --output "model-$PRESET" --seed 1 >/dev/null

# The synth config: the shipped regenerate recipe's prompts and gates, PROMPTS questions, 8 at a time.
cat > synth.yaml <<YAML
recipe: regenerate
seed: 1234
input: { paths: [$root/configs/sft/debian-qa-ja.jsonl], limit: $PROMPTS }
endpoints:
  - { name: local, url: http://127.0.0.1:1/v1, model: tsumugi-demo, concurrency: 8, timeout_s: 600 }
sampling: { temperature: 0.7, top_p: 0.95, max_tokens: $MAX_TOKENS }
regenerate:
  system: あなたはDebianに詳しいアシスタントです。質問に日本語で簡潔に答えてください。
  prompt: "{instruction}"
allow_truncated: true
gates:
  - length: { min_chars: 2, max_chars: 4000 }
  - refusal
  - minhash: { threshold: 0.9 }
output: { shard_records: 1000 }
YAML
sed "s/limit: $PROMPTS/limit: 8/" synth.yaml > warmup.yaml

free_port() { $PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
wait_port() { for _ in $(seq 600); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1" >&2; return 1; }
metrics() { $PY -c "import json, urllib.request; m = json.load(urllib.request.urlopen('http://127.0.0.1:$1/metrics')); print(m['completion_tokens'], m['busy_seconds'])"; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# One synth run into a fresh folder; prints "completion_tokens requests run_seconds" from the CLI's summary.
synth() { # config, url, output
  rm -rf "$3"
  "$T" synth run --config "$1" --output "$3" --endpoint-url "local=$2" >"$3.out" 2>"$3.err" || { echo "synth run failed:" >&2; tail -5 "$3.err" >&2; exit 1; }
  $PY - "$3.out" <<'PY'
import re, sys
out = open(sys.argv[1], encoding="utf-8").read()
requests, completion = re.search(r"endpoint\s+local: (\d+) requests .*?(\d+) completion tokens", out).groups()
seconds = re.search(r"over ([\d.]+) s", out).group(1)
print(completion, requests, seconds)
PY
}

serve_port=$(free_port)
"$T" serve --model "model-$PRESET" --port "$serve_port" --model-name tsumugi-demo --max-batch 8 --chat-format llama2 >serve.log 2>&1 & pids+=($!)
wait_port "$serve_port"
echo "== synth regenerate × $PROMPTS prompts, $MAX_TOKENS new tokens, concurrency 8 vs tsumugi serve --max-batch 8 ($PRESET), $ROUNDS rounds, $(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg)"
synth warmup.yaml "http://127.0.0.1:$serve_port/v1" warmup >/dev/null
: > rounds.tsv
for r in $(seq "$ROUNDS"); do
  read -r c0 b0 < <(metrics "$serve_port")
  read -r tokens requests seconds < <(synth synth.yaml "http://127.0.0.1:$serve_port/v1" "run-$r")
  read -r c1 b1 < <(metrics "$serve_port")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$tokens" "$seconds" "$((c1 - c0))" "$(echo "$b1 - $b0" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)" >> rounds.tsv
done
kill "${pids[0]}" 2>/dev/null || true; wait "${pids[0]}" 2>/dev/null || true

# The zero-latency stand-in: /v1/models for the preflight, every chat completion answered at once.
cat > stub.py <<'PY'
import json, sys, http.server
class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body in one segment, Nagle off: otherwise each answer waits ~40 ms for the client's delayed ACK,
    # which is then measured as the client's overhead.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    def send(self, body):
        out = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def do_GET(self):
        self.send({"object": "list", "data": [{"id": "tsumugi-demo", "object": "model", "created": 0, "owned_by": "bench"}]})
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send({"id": "s", "object": "chat.completion", "created": 0, "model": body["model"],
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": "Debianではaptでパッケージを管理します。" * 4},
                                "finish_reason": "length", "logprobs": None}],
                   "usage": {"prompt_tokens": 40, "completion_tokens": 64, "total_tokens": 104}})
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Stub).serve_forever()
PY
stub_port=$(free_port)
$PY stub.py "$stub_port" & pids+=($!)
wait_port "$stub_port"
# The same recipe and gates over STUB_REQUESTS distinct questions (the Debian ones, numbered): with the PROMPTS-item run,
# the difference gives the marginal cost of a request apart from the run's fixed costs (first-request JIT, files).
$PY - "$root/configs/sft/debian-qa-ja.jsonl" stub-inputs.jsonl "$STUB_REQUESTS" <<'PY'
import json, sys
qs = [json.loads(l)["instruction"] for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for i in range(int(sys.argv[3])):
        out.write(json.dumps({"instruction": f"{qs[i % len(qs)]}（その{i}）", "output": ""}, ensure_ascii=False) + "\n")
PY
sed "s|paths: \[$root/configs/sft/debian-qa-ja.jsonl\], limit: $PROMPTS|paths: [stub-inputs.jsonl], limit: 0|" synth.yaml > stub-large.yaml
grep -q stub-inputs.jsonl stub-large.yaml
: > stub.tsv
for r in $(seq "$ROUNDS"); do
  for size in small large; do
    config=synth.yaml; [ "$size" = large ] && config=stub-large.yaml
    /usr/bin/time -f "%U %S" -o cpu.txt "$T" synth run --config "$config" --output "stub-$size" --endpoint-url "local=http://127.0.0.1:$stub_port/v1" \
      >"stub-$size.out" 2>"stub-$size.err" || { echo "synth run against the stand-in failed:" >&2; tail -5 "stub-$size.err" >&2; exit 1; }
    read -r requests seconds < <($PY -c "import re; o = open('stub-$size.out').read(); print(re.search(r'local: (\d+) requests', o).group(1), re.search(r'over ([\d.]+) s', o).group(1))")
    read -r user sys < cpu.txt
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$size" "$requests" "$seconds" "$(echo "$user + $sys" | bc)" >> stub.tsv
    rm -rf "stub-$size"
  done
done

$PY - rounds.tsv stub.tsv <<'PY'
import statistics, sys
rounds = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
client, server, ratio = [], [], []
for r, tokens, seconds, dtokens, dbusy, load in rounds:
    c = int(tokens) / float(seconds); s = int(dtokens) / float(dbusy)
    client.append(c); server.append(s); ratio.append(c / s)
    print(f"round {r}: client {c:7.1f} tok/s ({tokens} tokens in {float(seconds):.2f} s) | server {s:7.1f} tok/s ({dtokens} tokens in {float(dbusy):.2f} busy s) | ratio {c / s:.3f} | load {load.strip()}")
print(f"median client throughput   {statistics.median(client):7.1f} completion tokens/s")
print(f"median server aggregate    {statistics.median(server):7.1f} completion tokens/s (per busy second)")
print(f"median ratio client/server {statistics.median(ratio):7.3f}   (goal ≥ 0.9)")
stub = {}
for line in open(sys.argv[2]):
    r, size, n, secs, cpu = line.split("\t"); stub.setdefault(r, {})[size] = (int(n), float(secs), float(cpu))
per, marginal, marginal_cpu = [], [], []
for r, runs in stub.items():
    (ns, ss, cs), (nl, sl, cl) = runs["small"], runs["large"]
    per.append(ss / ns * 1000); marginal.append((sl - ss) / (nl - ns) * 1000); marginal_cpu.append((cl - cs) / (nl - ns) * 1000)
    print(f"stand-in round {r}: {ns} requests in {ss:.2f} s, {nl} in {sl:.2f} s (process CPU {cs:.2f} s, {cl:.2f} s)")
print(f"median overhead per request, zero-latency stand-in, 8 in flight: {statistics.median(per):.2f} ms wall a request in the {ns}-request run; "
      f"marginal {statistics.median(marginal):.2f} ms wall, {statistics.median(marginal_cpu):.2f} ms CPU a request (stand-in's own cost included)")
PY
