#!/bin/bash
# campaign.sh BUILDDIR SECONDS [NAME...] - what `make fuzz` does: long
# random libFuzzer campaigns, one harness after another (every harness
# when no NAME is given), each for SECONDS at the lowest priority.
#
# Each campaign runs on a scratch copy of fuzz/corpus/<name>/; at its end
# what it found is merged back with -merge=1, so the corpus gains only
# inputs that add coverage. A crash, leak, timeout or out-of-memory is
# saved as fuzz/regressions/<name>/<kind>-<sha1> and stops the whole run:
# fix it, keep the input (renamed for what it found), run make check.
set -u
build=$1 seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- $(cd "$src" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
limits=(-timeout=60 -rss_limit_mb=4096)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

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
	start=$(date +%s)
	nice -n 19 "$fuzzer" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1
	rc=$?
	elapsed=$(($(date +%s) - start))
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
			echo "fuzz: fuzz_$name found a $kind after ${elapsed}s; the input is $keep" >&2
		else
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
	stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/fuzz.log" | tail -1 | sed 's/^#\([0-9]*\)[[:space:]]*DONE */\1 runs, /')
	echo "fuzz_$name: ${elapsed}s, ${stats:-?}; corpus $before -> $(ls "$corpus" | wc -l) files"
	rm -rf "$work"
done
