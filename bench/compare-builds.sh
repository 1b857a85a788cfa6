#!/usr/bin/env bash
# Same-run, alternating before/after comparison of two builds (corpus clean, tokenizer train, train MFU, decode).
# Build each commit: dotnet build src/Tsumugi.Cli -c Release -o /tmp/base-cli; dotnet build bench/Tsumugi.Bench -c Release -o /tmp/base-bench
# (and the same to /tmp/head-cli, /tmp/head-bench), extract text with bench/tokenizer/extract_text.py ../shared/corpus /tmp/tokdata,
# then: R=2 bench/compare-builds.sh
set -u
R=${R:-2}
CORPUS=${CORPUS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/corpus/ja}
out=/tmp/cmp2-results.tsv; : > $out; mkdir -p /tmp/cmp2-logs
t() { local name=$1; shift; /usr/bin/time -f "%e %U %S" -o /tmp/cmp2-time.txt "$@" > /tmp/cmp2-logs/$name-$r.log 2>&1; read -r w u s < /tmp/cmp2-time.txt; printf '%s\t%s\t%s\t%s\n' "$name" "$w" "$(echo "$u+$s"|bc)" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a $out; }
for r in $(seq $R); do
  for v in base head; do
    for k in 1 2; do rm -rf /tmp/cmp2-clean-$v; t "clean-$v" /tmp/$v-cli/tsumugi corpus clean --input $CORPUS --output /tmp/cmp2-clean-$v --workers 2; done
    rm -rf /tmp/cmp2-tok-$v; t "toktrain-$v" /tmp/$v-cli/tsumugi tokenizer train --input /tmp/tokdata/ja.txt --output /tmp/cmp2-tok-$v --vocab-size 16000 --threads 2
    t "mfu-$v" dotnet /tmp/$v-bench/Tsumugi.Bench.dll train-mfu --rounds 1; grep "^| *[0-9]*m " /tmp/cmp2-logs/mfu-$v-$r.log | sed "s/^/  [$v r$r] /" | tee -a $out
    t "decode-$v" dotnet /tmp/$v-bench/Tsumugi.Bench.dll decode --rounds 1; grep "^| *[0-9]*m " /tmp/cmp2-logs/decode-$v-$r.log | sed "s/^/  [$v r$r] /" | tee -a $out
  done
done
