#!/bin/sh
# bench/sops.sh SIGNET - encrypt and decrypt a 10,000-value SOPS YAML
# document with signet; decrypt the same file with the npm sops-age
# library (the peer; it does not verify the MAC) when node is present.
# Prints the time per operation and per value, and the ratio.
set -eu
SIGNET=$1
N=${SOPS_BENCH_VALUES:-10000}
ROUNDS=${SOPS_BENCH_ROUNDS:-3}
dir=${BENCH_DIR:-$(dirname "$SIGNET")/bench-sops}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir"
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

"$SIGNET" age-keygen -o "$dir/key" 2>/dev/null
R=$(grep -o 'age1[0-9a-z]*' "$dir/key" | head -1)
# N values in sections of 100: strings, ints, floats, bools, a comment each
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i % 100 == 0) printf "section_%d:\n    # section %d\n", i / 100, i / 100
		k = i % 4
		if (k == 0) printf "    key_%d: secret value number %d\n", i, i
		else if (k == 1) printf "    key_%d: %d\n", i, i * 7919
		else if (k == 2) printf "    key_%d: %d.25\n", i, i
		else printf "    key_%d: true\n", i
	}
}' >"$dir/plain.yaml"

now() { date +%s.%N; }
best() {
	b=""
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

enc_signet() { "$SIGNET" sops -e --age "$R" --output "$dir/enc.yaml" "$dir/plain.yaml"; }
dec_signet() { SOPS_AGE_KEY_FILE="$dir/key" "$SIGNET" sops -d --output "$dir/dec.yaml" "$dir/enc.yaml"; }

es=$(best enc_signet)
ds=$(best dec_signet)
cmp -s "$dir/plain.yaml" "$dir/dec.yaml" || { echo "bench/sops: round trip differs" >&2; exit 1; }

ms() { echo "scale=1; $1 * 1000 / 1" | bc -l; }
us() { echo "scale=2; $1 * 1000000 / $N" | bc -l; }
echo "sops: $N values (YAML), best of $ROUNDS"
printf '  encrypt  signet %8s ms  %6s us/value\n' "$(ms "$es")" "$(us "$es")"
printf '  decrypt  signet %8s ms  %6s us/value (MAC verified)\n' "$(ms "$ds")" "$(us "$ds")"

npmdir=$(cd "$(dirname "$SIGNET")" && pwd)/npm
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	if [ ! -d "$npmdir/node_modules/sops-age" ]; then
		mkdir -p "$npmdir"
		(cd "$npmdir" && npm install --no-audit --no-fund --silent sops-age@4.0.2 >/dev/null 2>&1) || true
	fi
fi
if [ -d "$npmdir/node_modules/sops-age" ]; then
	dec_peer() { node "$here/../tests/suites/sops-age.js" "$npmdir/node_modules/sops-age" "$dir/enc.yaml" "$dir/key" yaml; }
	dp=$(best dec_peer)
	printf '  decrypt  sops-age %6s ms  %6s us/value (no MAC check)   ratio %sx\n' \
		"$(ms "$dp")" "$(us "$dp")" "$(echo "scale=2; $dp / $ds" | bc -l)"
else
	echo "  decrypt  sops-age: not run (node/npm or the package unavailable)"
fi
