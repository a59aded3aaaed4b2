#!/bin/bash
# run-fuzzer.sh FUZZER SEED_DIR SECONDS - run a libFuzzer harness briefly on
# a scratch copy of its seed corpus; any crash or sanitizer report fails.
set -eu
fuzzer=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 corpus 2>fuzz.log || { tail -50 fuzz.log; exit 1; }
grep -E '^stat::number_of_executed_units' fuzz.log || true
echo "1 passed, 0 failed"
