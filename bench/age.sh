#!/bin/sh
# bench/age.sh SIGNET - encrypt and decrypt 512 MiB with signet and with
# age in the same run; prints each throughput and the ratio.
#
# The files live on disk (page cache), not tmpfs: the bench directory is
# under the build tree unless BENCH_DIR says otherwise.
set -eu
SIGNET=$1
SIZE_MIB=${AGE_BENCH_MIB:-512}
ROUNDS=${AGE_BENCH_ROUNDS:-3}
dir=${BENCH_DIR:-$(dirname "$SIGNET")/bench-age}
rm -rf "$dir"
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

age-keygen -o "$dir/key" 2>/dev/null
R=$(age-keygen -y "$dir/key")
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$dir/plain"
"$SIGNET" age -r "$R" -o "$dir/warm.age" "$dir/plain" # warm the page cache
rm -f "$dir/warm.age"

now() { date +%s.%N; }
# best SECONDS of ROUNDS runs of a command (the first is also a warm-up).
best() {
	b=""
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		t0=$(now)
		"$@"
		t1=$(now)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

enc_signet() { "$SIGNET" age -r "$R" -o "$dir/s.age" "$dir/plain"; }
enc_age() { age -r "$R" -o "$dir/a.age" "$dir/plain"; }
dec_signet() { "$SIGNET" age -d -i "$dir/key" -o "$dir/s.out" "$dir/a.age"; }
dec_age() { age -d -i "$dir/key" -o "$dir/a.out" "$dir/a.age"; }

es=$(best enc_signet)
ea=$(best enc_age)
ds=$(best dec_signet)
da=$(best dec_age)
cmp -s "$dir/s.out" "$dir/plain" && cmp -s "$dir/a.out" "$dir/plain" ||
	{ echo "bench/age: decrypted output differs" >&2; exit 1; }

mbs() { echo "scale=0; $SIZE_MIB / $1" | bc -l; }
echo "age: $SIZE_MIB MiB, best of $ROUNDS, files on $(df --output=fstype "$dir" | tail -1)"
printf '  encrypt  signet %6s MiB/s   age %6s MiB/s   ratio %sx\n' \
	"$(mbs "$es")" "$(mbs "$ea")" "$(echo "scale=2; $ea / $es" | bc -l)"
printf '  decrypt  signet %6s MiB/s   age %6s MiB/s   ratio %sx\n' \
	"$(mbs "$ds")" "$(mbs "$da")" "$(echo "scale=2; $da / $ds" | bc -l)"
