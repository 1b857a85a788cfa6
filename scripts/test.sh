#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests need on a fresh Debian 12 machine that has
# only the .NET SDK, then builds and runs every test project. Prints "Tests: N passed, N failed" at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
log=$(mktemp)
status=0
dotnet test Tsumugi.sln -c Release --nologo 2>&1 | tee "$log" || status=$?
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
# A crashed test host reports "Passed!" for what ran before the crash: count it as a failure.
if grep -q "Test Run Aborted" "$log"; then failed=$((failed + 1)); status=1; echo "A test host crashed (see above)."; fi
rm -f "$log"
echo "Tests: $passed passed, $failed failed"
exit "$status"
