#!/bin/bash
# run-fuzzer.sh FUZZER CORPUS REGRESSIONS RUNS CRASH_DIR [FLAG...] - what
# make check does with one libFuzzer harness, the same way every time:
#   1. every file of its committed corpus and every regression input
#      (an input that once crashed it), each run once;
#   2. RUNS mutations with the fixed seed 1 on a scratch copy of the
#      corpus (no time limit: a loaded machine runs the same inputs, only
#      slower; the timeouts are generous for the same reason), with the
#      harness's own libFuzzer FLAGs if it has any (fuzz/meson.build).
# The source tree is never written. A crash fails the test; its input is
# kept in CRASH_DIR (and printed in base64) to be added to REGRESSIONS.
#
# A fixed seed alone does not fix the run: libFuzzer also mutates with the
# operands of the comparisons it traces, and some are addresses, which
# address space randomisation changes every run. So the fuzzer runs with
# randomisation off (setarch -R), from the scratch directory as ./fuzzer
# with relative paths and a fixed environment (the initial stack, hence
# every stack address, depends on their lengths). Nor does it run
# libFuzzer's RSS thread (-rss_limit_mb=0): its start races with the
# first inputs and can change what they cover; -malloc_limit_mb still
# bounds every allocation. Nor does it purge the allocator's caches every
# second (-purge_allocator_interval=-1): after a purge malloc returns other
# addresses, so a run would part from the last one about a second in.
set -u
fuzzer=$1 corpus=$2 regressions=$3 runs=$4 crashes=$5
shift 5
flags=("$@")
name=$(basename "$fuzzer")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
limits=(-timeout=120 -rss_limit_mb=0 -malloc_limit_mb=4096 -purge_allocator_interval=-1)
ln -s "$fuzzer" "$work/fuzzer"
fixed=(env -i PATH=/usr/bin:/bin
	ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}")
if setarch "$(uname -m)" -R true 2>/dev/null; then
	fixed+=(setarch "$(uname -m)" -R)
else
	echo "$name: setarch -R is refused here, so this run may differ from the next"
fi

inputs=()
for dir in "$corpus" "$regressions"; do
	[ -d "$dir" ] || continue
	while IFS= read -r -d '' f; do inputs+=("$f"); done \
		< <(find "$dir" -maxdepth 1 -type f -print0 | sort -z)
done
if [ ${#inputs[@]} -gt 0 ] && ! "$fuzzer" "${limits[@]}" "${inputs[@]}" >"$work/inputs.log" 2>&1; then
	tail -60 "$work/inputs.log"
	echo "$name: a committed input fails (the last 'Running:' line above names it)"
	echo "0 passed, 1 failed"
	exit 1
fi

mkdir "$work/corpus"
[ -d "$corpus" ] && cp "$corpus"/. "$work/corpus/" -r
if ! (cd "$work" && "${fixed[@]}" ./fuzzer "${limits[@]}" "${flags[@]}" -seed=1 -runs="$runs" -reload=0 \
	-print_final_stats=1 -artifact_prefix=./ corpus >fuzz.log 2>&1); then
	tail -60 "$work/fuzz.log"
	mkdir -p "$crashes"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$a" ] || continue
		cp "$a" "$crashes/"
		echo "$name: input kept as $crashes/$(basename "$a"), base64:"
		base64 -w0 "$a"
		echo
	done
	echo "$name: crashed with -seed=1 -runs=$runs; fix it, then add the input to $regressions/"
	echo "0 passed, 1 failed"
	exit 1
fi
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/fuzz.log" | tail -1)
echo "$name: ${#inputs[@]} committed inputs; -seed=1 -runs=$runs: ${done_line:-no DONE line}"
echo "1 passed, 0 failed"
