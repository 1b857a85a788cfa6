# Shared preamble of the bench/*/run.sh scripts (sourced, not run): strict mode, the CLI to measure, a work folder and
# the timing helpers. After `bench_init NAME`: $root is the repository, $work (${TMPDIR:-/tmp}/tsumugi-NAME) the current
# directory, $T the CLI ($TSUMUGI when set, else one built into $work/art) and $results an empty TSV that measure fills.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

bench_init() { # name
  work="${TMPDIR:-/tmp}/tsumugi-$1"
  mkdir -p "$work"
  T="${TSUMUGI:-}"
  if [ -z "$T" ]; then
    dotnet build "$root/src/Tsumugi.Cli" -c Release --artifacts-path "$work/art" -v q -nologo >/dev/null
    T="$work/art/bin/Tsumugi.Cli/release/tsumugi"
  fi
  cd "$work"
  results="$work/results.tsv"; : > "$results"
}

# Runs a command under /usr/bin/time and appends name, wall s, peak RSS kB, CPU s (user+sys) and the 1-minute load
# average right after the run (the machine may be shared) to $results. The command's output goes to $work/measure.log;
# when the command fails, its last lines are shown and measure fails.
measure() { # name, command...
  local name="$1" status=0; shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >"$work/measure.log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then echo "$name failed (exit $status):" >&2; tail -5 "$work/measure.log" >&2; return "$status"; fi
  read -r wall rss user sys < "$work/time.txt"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$rss" "$(echo "$user + $sys" | bc)" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"
}

# The median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
