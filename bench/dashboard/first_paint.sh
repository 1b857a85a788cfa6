#!/usr/bin/env bash
# Dashboard first paint and payload (issue 24; targets: first paint < 1 s, < 1 MB per chart): RUNS training runs of
# STEPS steps each (realistic metrics.jsonl lines: loss, lr, grad norm, MFU, tokens/s, z_loss, per-domain and held-out
# loss; written by Program.cs `generate`), served by `tsumugi dashboard --runs DIR --port 0`, loaded in headless
# Chromium (Debian's chromium, scripts/install-test-deps.sh) over the DevTools protocol: the run list, one run and the
# compare view of every run, alternating, ROUNDS fresh page loads each after a first load each (shown apart).
# Prints, per view, the median window.tsumugiFirstPaintMs (set by the page on its first render with data; measured from
# navigation start), the median navigation→ready wall time seen from outside and the bytes the load fetched (page,
# assets and API answers), then the /api/runs/{id}/metrics response of one run cut into the charts drawn from it
# (bytes per chart).
# Usage: bench/dashboard/first_paint.sh            (ROUNDS=5 RUNS=10 STEPS=10000; TSUMUGI=path/to/tsumugi to skip the build)
source "$(dirname "$0")/../lib.sh"
ROUNDS=${ROUNDS:-5}; RUNS=${RUNS:-10}; STEPS=${STEPS:-10000}
bench_init dashboard-first-paint
dotnet build "$root/bench/dashboard" -c Release --artifacts-path "$work/art" -v q -nologo >/dev/null
driver=(dotnet "$work/art/bin/Tsumugi.Dashboard.Bench/release/Tsumugi.Dashboard.Bench.dll")
rm -rf runs
"${driver[@]}" generate runs --runs "$RUNS" --steps "$STEPS"

"$T" dashboard --runs runs --port 0 >dashboard.log 2>&1 & dashboard_pid=$!
trap 'kill $dashboard_pid 2>/dev/null || true' EXIT
url=""
for _ in $(seq 300); do
  url=$(sed -n 's/.*Dashboard: \(http[^ ]*\).*/\1/p' dashboard.log | head -1)
  [ -n "$url" ] && break
  kill -0 $dashboard_pid 2>/dev/null || { echo "tsumugi dashboard exited:" >&2; tail -5 dashboard.log >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "tsumugi dashboard printed no 'Dashboard: URL' line within 30 s:" >&2; tail -5 dashboard.log >&2; exit 1; }
echo "== $url: $RUNS runs × $STEPS steps, $ROUNDS rounds, $(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg), $(chromium --version 2>/dev/null | tail -1)"
"${driver[@]}" measure "$url" --rounds "$ROUNDS"
