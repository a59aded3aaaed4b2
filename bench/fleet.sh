#!/bin/sh
# bench/fleet.sh SIGNET - signet fleet build of a generated fleet: the
# example fleet plus N app hosts, each a copy of app1 with its own name
# and address. Twice:
#   - configuration only (no boot inputs in the lock: DNS, CA, web, the
#     host documents), N = 100, 200, 400 (FLEET_BENCH_SIZES);
#   - with the boot inputs (scripts/fleet-inputs: Debian's kernel, the
#     stub, signet-init, the sidecar, the example OS), where every app
#     host runs the example OS (rootfs: debian, an OCI layout made into
#     one shared verity image: its build is in the first N's time) and
#     every extra host adds its own UKI beside the one shared sidecar and
#     rootfs, N = 10, 20 (FLEET_BENCH_BOOT_SIZES).
# Prints per N the build time, the build's size, and the marginal time
# and bytes per extra host; then the rebuild after one host's document
# changed (what is made again, and how long it takes). There is no peer
# tool for this: the figures are for watching how the cost grows.
set -eu
SIGNET=$1
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${FLEET_BENCH_SIZES:-100 200 400}
BOOT_SIZES=${FLEET_BENCH_BOOT_SIZES:-10 20}
dir=${BENCH_DIR:-$(dirname "$SIGNET")/bench-fleet}
rm -rf "$dir"
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench
export GIT_COMMITTER_EMAIL=bench@example.invalid
now() { date +%s.%N; }

# sizes BASE SIZES [INPUTS]: the table for fleets made from BASE.
sizes() {
	base=$1 list=$2 inputs=${3:-}
	prev_n="" prev_t="" prev_b=""
	printf '%-6s %10s %12s %16s %16s\n' hosts "build s" "build bytes" "s/extra host" "bytes/extra host"
	for n in $list; do
		f=$dir/fleet-$n
		cp -a "$base" "$f"
		i=1
		while [ "$i" -le "$n" ]; do
			sed -e "s/^host: app1$/host: gen$i/" \
				-e "s/127.10.0.101/127.11.$((i / 250)).$((i % 250 + 1))/" \
				"$f/hosts/app1.yaml" >"$f/hosts/gen$i.yaml"
			i=$((i + 1))
		done
		(cd "$f" && git init -q && git add . && git commit -qm "$n hosts")
		t0=$(now)
		"$SIGNET" fleet build -C "$f" --out "$dir/out-$n" ${inputs:+--inputs "$inputs"} >/dev/null
		t1=$(now)
		t=$(echo "$t1 - $t0" | bc -l)
		b=$(du -sb "$dir/out-$n" | cut -f1)
		if [ -n "$prev_n" ]; then
			mt=$(echo "($t - $prev_t) / ($n - $prev_n)" | bc -l)
			mb=$(echo "($b - $prev_b) / ($n - $prev_n)" | bc -l)
			printf '%-6s %10.3f %12d %16.5f %16.0f\n' "$n" "$t" "$b" "$mt" "$mb"
		else
			printf '%-6s %10.3f %12d %16s %16s\n' "$n" "$t" "$b" - -
		fi
		prev_n=$n prev_t=$t prev_b=$b
		# One host's edit: what the rebuild makes again, and its time.
		sed -i 's/prompt_seconds: 2 /prompt_seconds: 5 /' "$f/hosts/gen1.yaml"
		(cd "$f" && git commit -qam "gen1: a longer prompt")
		t0=$(now)
		out=$("$SIGNET" fleet build -C "$f" --out "$dir/out-$n" ${inputs:+--inputs "$inputs"})
		t1=$(now)
		printf '       rebuild after one edit: %.3f s (%s)\n' "$(echo "$t1 - $t0" | bc -l)" \
			"$(echo "$out" | sed 's/.*artifacts (\([^)]*\)).*/\1/')"
		rm -rf "$dir/out-$n" "$f"
	done
}

"$SIGNET" fleet init --keys "$dir/keys" "$dir/base" >/dev/null
"$SIGNET" fleet issue -C "$dir/base" --keys "$dir/keys" >/dev/null
echo "configuration only (no boot inputs):"
sizes "$dir/base" "$SIZES"

"$SRCDIR/scripts/fleet-inputs" "$SIGNET" "$dir/inputs" >/dev/null
cp -a "$dir/base" "$dir/boot"
for h in app1 app2; do echo "rootfs: debian" >>"$dir/boot/hosts/$h.yaml"; done
"$SIGNET" fleet lock -C "$dir/boot" --inputs "$dir/inputs" >/dev/null 2>&1
echo "with the boot inputs (a UKI per host, one shared sidecar of $(du -b "$dir/inputs/sidecar.sqfs" | cut -f1) bytes,"
echo "one shared rootfs image from an OCI layout of $(du -sb "$dir/inputs/rootfs/debian" | cut -f1) bytes):"
sizes "$dir/boot" "$BOOT_SIZES" "$dir/inputs"
