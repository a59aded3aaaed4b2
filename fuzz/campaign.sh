#!/bin/bash
# campaign.sh BUILDDIR SECONDS RUNS [NAME...] - what `make fuzz` does:
# long random libFuzzer campaigns, one harness after another (every
# harness when no NAME is given) at the lowest priority, each stopped at
# SECONDS or after RUNS executions, whichever comes first (RUNS 0: no
# cap on executions).
#
# Each campaign runs on a scratch copy of fuzz/corpus/<name>/; at its end
# what it found is merged back with -merge=1, so the corpus gains only
# inputs that add coverage. A crash, leak, timeout or out-of-memory is
# saved as fuzz/regressions/<name>/<kind>-<sha1> and stops the whole run:
# fix it, keep the input (renamed for what it found), run make check.
#
# Each harness ends with one row of a table: its executions, seconds,
# executions per second, corpus files before -> after, and its result
# (ok, or the kind of what it found).
set -u
build=$1 seconds=$2 runs=$3
shift 3
case $seconds$runs in *[!0-9]*|'') echo "fuzz: SECONDS and RUNS are whole numbers" >&2; exit 2;; esac
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- $(cd "$src" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
limits=(-timeout=60 -rss_limit_mb=4096)
stop=(-max_total_time="$seconds")
[ "$runs" -gt 0 ] && stop+=(-runs="$runs")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# row HARNESS LOG MILLISECONDS BEFORE AFTER RESULT: the executions are
# the final stats' (-print_final_stats=1, printed on a crash too), else
# the last status line's.
row() {
	local execs ms=$(($3 > 0 ? $3 : 1))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$2" | tail -1)
	[ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$2" | tail -1 | tr -d '#')
	execs=${execs:-0}
	printf '%-20s %12s %8s %8s %15s  %s\n' "$1" "$execs" "$((ms / 1000)).$((ms % 1000 / 100))" \
		"$((execs * 1000 / ms))" "$4 -> $5" "$6"
}
printf '%-20s %12s %8s %8s %15s  %s\n' harness executions seconds exec/s corpus result

for name in "$@"; do
	fuzzer=$build/fuzz/fuzz_$name corpus=$src/corpus/$name
	if [ ! -x "$fuzzer" ]; then
		echo "fuzz: no harness $fuzzer (names are fuzz/fuzz_<name>.c)" >&2
		exit 2
	fi
	work=$(mktemp -d)
	mkdir -p "$work/corpus" "$corpus"
	cp -r "$corpus"/. "$work/corpus/"
	before=$(ls "$corpus" | wc -l)
	start=$(date +%s%N)
	nice -n 19 "$fuzzer" "${limits[@]}" "${stop[@]}" -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000)) elapsed=$((ms / 1000))
	found=""
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$a" ] && found=$a
	done
	if [ -n "$found" ] || [ $rc -ne 0 ]; then
		grep -E '^(==[0-9]+==|SUMMARY|    #[0-9]+ )' "$work/fuzz.log" | head -40
		if [ -n "$found" ]; then
			kind=$(basename "$found" | cut -d- -f1)
			mkdir -p "$src/regressions/$name"
			keep=$src/regressions/$name/$kind-$(sha1sum "$found" | cut -c1-12)
			cp "$found" "$keep"
			row "fuzz_$name" "$work/fuzz.log" "$ms" "$before" "$before" "$kind"
			echo "fuzz: fuzz_$name found a $kind after ${elapsed}s; the input is $keep" >&2
		else
			row "fuzz_$name" "$work/fuzz.log" "$ms" "$before" "$before" "exit $rc"
			echo "fuzz: fuzz_$name failed (exit $rc) with no input saved; log: $work/fuzz.log" >&2
			exit 1
		fi
		echo "fuzz: fix it at its root, give the input a name that says what it found, run make check" >&2
		rm -rf "$work"
		exit 1
	fi
	nice -n 19 "$fuzzer" "${limits[@]}" -merge=1 "$corpus" "$work/corpus" >"$work/merge.log" 2>&1 || {
		tail -20 "$work/merge.log"
		echo "fuzz: merging fuzz_$name's corpus failed" >&2
		exit 1
	}
	row "fuzz_$name" "$work/fuzz.log" "$ms" "$before" "$(ls "$corpus" | wc -l)" ok
	rm -rf "$work"
done
