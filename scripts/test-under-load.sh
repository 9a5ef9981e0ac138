#!/usr/bin/env bash
# `npm test` N times in a row, each run beside two busy loops (one per core of the 2-core
# machine): the "green under load" check of docs/testing.md. Usage:
#   scripts/test-under-load.sh [N=10] [LOG_DIR]
# Prints one line per run and exits 1 if any run failed.
set -u
n=${1:-10}
logs=${2:-$(mktemp -d /tmp/test-under-load-XXXXXX)}
mkdir -p "$logs"
failed=0
for i in $(seq 1 "$n"); do
  node -e 'for (;;) {}' &
  busy1=$!
  node -e 'for (;;) {}' &
  busy2=$!
  start=$(date +%s)
  npm test >"$logs/run-$i.log" 2>&1
  rc=$?
  kill "$busy1" "$busy2"
  wait "$busy1" "$busy2" 2>/dev/null
  [ "$rc" -eq 0 ] || failed=1
  tests=$(sed -E 's/\x1b\[[0-9;]*m//g' "$logs/run-$i.log" | grep -E 'Tests +[0-9]' | sed -E 's/^.*Tests/Tests/' | tr -s ' ')
  echo "run $i: exit $rc in $(($(date +%s) - start)) s (load $(cut -d' ' -f1-3 /proc/loadavg);$tests) $(date -u +%H:%M) UTC, log $logs/run-$i.log"
done
exit "$failed"
