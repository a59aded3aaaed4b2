#!/bin/bash
# bench/age.sh SIGNET - encrypt and decrypt 512 MiB with signet and with
# age in the same run; prints each throughput and the ratio.
#
# The files live on disk (page cache), not tmpfs: the bench directory is
# under the build tree unless BENCH_DIR says otherwise. The tools run in
# alternation, ROUNDS times each, every run writing a new file (the last
# one is removed untimed); the best time of each counts.
set -eu
SIGNET=$1
SIZE_MIB=${AGE_BENCH_MIB:-512}
ROUNDS=${AGE_BENCH_ROUNDS:-5}
dir=${BENCH_DIR:-$(dirname "$SIGNET")/bench-age}
rm -rf "$dir"
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

age-keygen -o "$dir/key" 2>/dev/null
R=$(age-keygen -y "$dir/key")
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$dir/plain"
age -r "$R" -o "$dir/input.age" "$dir/plain" # the common input to decrypt

declare -A best
# run NAME OUTPUT COMMAND...: time one run, keep the best per NAME.
run() {
	local name=$1 out=$2 t0 t1 t
	shift 2
	rm -f "$out"
	sync
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	t=$(echo "$t1 - $t0" | bc -l)
	if [ -z "${best[$name]:-}" ] || [ "$(echo "$t < ${best[$name]}" | bc -l)" = 1 ]; then
		best[$name]=$t
	fi
}

for _ in $(seq "$ROUNDS"); do
	run enc_signet "$dir/s.age" "$SIGNET" age -r "$R" -o "$dir/s.age" "$dir/plain"
	run enc_age "$dir/a.age" age -r "$R" -o "$dir/a.age" "$dir/plain"
	run dec_signet "$dir/s.out" "$SIGNET" age -d -i "$dir/key" -o "$dir/s.out" "$dir/input.age"
	run dec_age "$dir/a.out" age -d -i "$dir/key" -o "$dir/a.out" "$dir/input.age"
done
cmp -s "$dir/s.out" "$dir/plain" && cmp -s "$dir/a.out" "$dir/plain" ||
	{ echo "bench/age: decrypted output differs" >&2; exit 1; }
age -d -i "$dir/key" "$dir/s.age" | cmp -s - "$dir/plain" ||
	{ echo "bench/age: age cannot decrypt signet's output" >&2; exit 1; }

mbs() { echo "scale=0; $SIZE_MIB / $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "age: $SIZE_MIB MiB, best of $ROUNDS alternating runs, files on $(df --output=fstype "$dir" | tail -1)"
printf '  encrypt  signet %6s MiB/s   age %6s MiB/s   ratio %sx\n' \
	"$(mbs "${best[enc_signet]}")" "$(mbs "${best[enc_age]}")" "$(ratio "${best[enc_age]}" "${best[enc_signet]}")"
printf '  decrypt  signet %6s MiB/s   age %6s MiB/s   ratio %sx\n' \
	"$(mbs "${best[dec_signet]}")" "$(mbs "${best[dec_age]}")" "$(ratio "${best[dec_age]}" "${best[dec_signet]}")"
