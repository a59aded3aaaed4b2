# crashlib.sh - kills a command at each of its writes, fsyncs, renames,
# unlinks and mkdirs (strace fault injection: SIGKILL on entering the
# syscall, so the call never happens), then checks that what the command
# left is the old state or the new one, and that a retry completes it.
# Sourced after lib.sh.
#
# A suite defines three functions for each command NAME:
#   NAME_setup DIR   make, in the empty directory DIR, the state the
#                    command starts from
#   NAME_cmd DIR     set the array CMD to the command that changes DIR
#   NAME_state DIR   check DIR; print how many times the command's effect
#                    is in it (0: the old state, 1: the new one, 2: done
#                    twice) and exit 0, or say on stderr what is wrong
#                    (an inconsistent state) and exit non-zero
# then calls `crash_command NAME [repeatable]`. For each kill point it
# copies the setup state, runs CMD killed there, asks NAME_state (0 or 1
# is consistent), runs CMD again to completion (the retry) and asks
# again: the retry must leave exactly one effect. A command marked
# repeatable (appending to a log, say) may add a second when the killed
# run had already finished; any other command must then refuse the retry
# or change nothing.
#
# Kill points: every call of each syscall below, counted per process as
# strace counts them for `when=N`. Writes are many (a disk image is
# thousands): at most CRASH_MAX_WRITES of them are taken, spread evenly,
# always with the first and the last. The choice depends only on the
# counts, so the same tree gives the same points every run.
: "${CRASH_MAX_WRITES:=12}"
# mkdir is called for every directory above every file a command writes,
# most of them there already (EEXIST): a suite may take fewer of those
# points the same way; by default all.
: "${CRASH_MAX_MKDIRS:=1000000}"
CRASH_CALLS="write pwrite64 writev pwritev fsync fdatasync rename renameat renameat2 unlink unlinkat rmdir mkdir mkdirat link linkat"
CRASH_BAD=0
CRASH_POINTS=0

# LeakSanitizer stops the world with ptrace, which strace already holds.
# why REASON: says on stderr why a state is inconsistent; returns 1, for
# NAME_state's `... || why "..." || return`.
why() { echo "$*" >&2; return 1; }

crash_env() { env ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "$@"; }

# crash_count LOG SYSCALL: the most calls of SYSCALL made by one process.
crash_count() {
	awk -v sc="$2" '$2 ~ "^" sc "\\(" { n[$1]++ } END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }' "$1"
}

# crash_points COUNT MAX: the invocation numbers to kill at.
crash_points() {
	local n=$1 max=$2 i
	if [ "$n" -le "$max" ]; then seq 1 "$n"; return; fi
	for ((i = 0; i < max; i++)); do echo $((1 + i * (n - 1) / (max - 1))); done | uniq
}

# crash_state NAME DIR: the count NAME_state prints, or "bad".
crash_state() {
	local got
	if got=$("$1_state" "$2" 2>"$T/.crash-why") && [[ $got =~ ^[0-9]+$ ]]; then echo "$got"
	else echo bad; fi
}

# crash_command NAME [repeatable]
crash_command() {
	local name=$1 repeatable=${2:-} base="$T/crash-$1" sc n at points=0 bad=0 after retry rc summary=""
	rm -rf "$base" && mkdir -p "$base/setup"
	"${name}_setup" "$base/setup" || { ko "$name: setup failed"; return; }
	# One uninterrupted run under strace counts the calls.
	cp -a "$base/setup" "$base/count"
	"${name}_cmd" "$base/count"
	crash_env strace -f -qq -o "$base/trace" \
		-e trace="${CRASH_CALLS// /,}" "${CMD[@]}" >/dev/null 2>"$base/count.err" ||
		{ ko "$name: the uninterrupted run failed: $(head -c 300 "$base/count.err")"; return; }
	[ "$(crash_state "$name" "$base/count")" = 1 ] ||
		{ ko "$name: the uninterrupted run is not the new state: $(head -c 300 "$T/.crash-why")"; return; }
	for sc in $CRASH_CALLS; do
		n=$(crash_count "$base/trace" "$sc")
		[ "$n" -gt 0 ] || continue
		local max=$n
		case $sc in
		write | pwrite64 | writev | pwritev) max=$CRASH_MAX_WRITES ;;
		mkdir | mkdirat) max=$CRASH_MAX_MKDIRS ;;
		esac
		local k=0
		for at in $(crash_points "$n" "$max"); do
			k=$((k + 1))
			rm -rf "$base/run" && cp -a "$base/setup" "$base/run"
			"${name}_cmd" "$base/run"
			crash_env strace -f -qq -o /dev/null \
				-e trace="$sc" -e inject="$sc:signal=KILL:when=$at" \
				"${CMD[@]}" >/dev/null 2>&1
			after=$(crash_state "$name" "$base/run")
			if [ "$after" != 0 ] && [ "$after" != 1 ]; then
				bad=$((bad + 1))
				echo "crash: $name: killed at $sc #$at: inconsistent: $(head -c 300 "$T/.crash-why")" >&2
				continue
			fi
			# the retry
			"${name}_cmd" "$base/run"
			crash_env "${CMD[@]}" >/dev/null 2>"$base/retry.err"
			rc=$?
			retry=$(crash_state "$name" "$base/run")
			local want=1
			[ "$after" = 1 ] && [ -n "$repeatable" ] && [ "$rc" -eq 0 ] && want=2
			if [ "$retry" != "$want" ]; then
				bad=$((bad + 1))
				echo "crash: $name: killed at $sc #$at (state $after), retry exit $rc, state $retry, expected $want: $(head -c 300 "$base/retry.err") $(head -c 300 "$T/.crash-why")" >&2
			elif [ "$after" = 0 ] && [ "$rc" -ne 0 ]; then
				bad=$((bad + 1))
				echo "crash: $name: killed at $sc #$at, the retry failed: $(head -c 300 "$base/retry.err")" >&2
			elif [ "$rc" -ne 0 ] && [ "$(wc -l <"$base/retry.err")" -ne 1 ]; then
				bad=$((bad + 1))
				echo "crash: $name: killed at $sc #$at, the refused retry did not say why in one line" >&2
			fi
		done
		points=$((points + k))
		summary="$summary $sc $k"
	done
	CRASH_POINTS=$((CRASH_POINTS + points))
	CRASH_BAD=$((CRASH_BAD + bad))
	echo "crash: $name: $points kill points ($summary ), $bad inconsistent states"
	if [ "$bad" -eq 0 ]; then ok; else ko "$name: $bad inconsistent states"; fi
	rm -rf "$base"
}

# crash_finish: the suite's total, then lib.sh's finish.
crash_finish() {
	echo "crash: $CRASH_POINTS kill points in all, $CRASH_BAD inconsistent states"
	finish
}
