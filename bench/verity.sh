#!/bin/bash
# signet verity format against veritysetup format on the same 1 GiB image,
# in one run: best wall time of a few alternating runs each, the
# throughput of both and the ratio. Both read the image from the page
# cache (it is read once first), so this measures hashing, not the disk.
# Usage: bench/verity.sh [SIGNET] (default build/signet); SIZE_MIB=1024
# and RUNS=3 may be changed in the environment.
set -eu
SIGNET=${1:-${SIGNET:-build/signet}}
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
VS=$(command -v veritysetup || echo /usr/sbin/veritysetup)
[ -x "$VS" ] || { echo "bench/verity.sh: veritysetup not found (apt install cryptsetup-bin)" >&2; exit 1; }

D=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-verity.XXXXXX")
trap 'rm -rf "$D"' EXIT
SALT=$(printf '%064d' 7)
UUID=0b5e55ed-1234-4abc-8def-0123456789ab

head -c $((SIZE_MIB << 20)) /dev/zero |
	openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
		-iv 00000000000000000000000000000000 >"$D/data"
cat "$D/data" >/dev/null

now() { date +%s.%N; }
best_vs=999999 best_sg=999999
for _ in $(seq "$RUNS"); do
	rm -f "$D/vs.hash"
	t0=$(now)
	"$VS" format "$D/data" "$D/vs.hash" --salt "$SALT" --uuid "$UUID" >/dev/null
	t1=$(now)
	"$SIGNET" verity format "$D/data" "$D/sg.hash" --salt "$SALT" --uuid "$UUID" >/dev/null
	t2=$(now)
	best_vs=$(awk -v a="$t0" -v b="$t1" -v m="$best_vs" 'BEGIN { d = b - a; print (d < m) ? d : m }')
	best_sg=$(awk -v a="$t1" -v b="$t2" -v m="$best_sg" 'BEGIN { d = b - a; print (d < m) ? d : m }')
done
cmp -s "$D/vs.hash" "$D/sg.hash" || { echo "bench/verity.sh: hash files differ!" >&2; exit 1; }
ROOT=$("$SIGNET" verity format "$D/data" "$D/sg.hash" --salt "$SALT" --uuid "$UUID" |
	awk -F'\t' '/^Root hash:/ {print $2}')

# verify: each tool checks the same tree.
vbest_vs=999999 vbest_sg=999999
for _ in $(seq "$RUNS"); do
	t0=$(now)
	"$VS" verify "$D/data" "$D/sg.hash" "$ROOT"
	t1=$(now)
	"$SIGNET" verity verify "$D/data" "$D/sg.hash" "$ROOT"
	t2=$(now)
	vbest_vs=$(awk -v a="$t0" -v b="$t1" -v m="$vbest_vs" 'BEGIN { d = b - a; print (d < m) ? d : m }')
	vbest_sg=$(awk -v a="$t1" -v b="$t2" -v m="$vbest_sg" 'BEGIN { d = b - a; print (d < m) ? d : m }')
done

awk -v mib="$SIZE_MIB" -v vs="$best_vs" -v sg="$best_sg" -v cpus="$(nproc)" -v runs="$RUNS" 'BEGIN {
	printf "verity format, %d MiB image, sha256 4096/4096, best of %d, %d CPUs\n", mib, runs, cpus
	printf "  %-22s %7.3f s %8.0f MiB/s\n", "veritysetup format", vs, mib / vs
	printf "  %-22s %7.3f s %8.0f MiB/s\n", "signet verity format", sg, mib / sg
	printf "  %-22s %7.2fx (hash files identical)\n", "ratio", vs / sg
}'
awk -v mib="$SIZE_MIB" -v vs="$vbest_vs" -v sg="$vbest_sg" -v runs="$RUNS" 'BEGIN {
	printf "verity verify, same image and tree, best of %d\n", runs
	printf "  %-22s %7.3f s %8.0f MiB/s\n", "veritysetup verify", vs, mib / vs
	printf "  %-22s %7.3f s %8.0f MiB/s\n", "signet verity verify", sg, mib / sg
	printf "  %-22s %7.2fx\n", "ratio", vs / sg
}'
