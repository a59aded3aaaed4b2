#!/bin/bash
# bench/oci.sh SIGNET - signet oci unpack beside umoci raw unpack on the
# same image, in one run: the best wall time of RUNS alternating runs
# each, names per second and the ratio. Then signet image build
# --from-oci of it (unpack, mksquashfs, verity tree).
# The image is OCI_BENCH_IMAGE (LAYOUT:TAG) when set, else the Debian
# example OS when scripts/debian-oci has cached it under build/cache/,
# else one made here from this machine: /usr/bin, then /usr/share/doc,
# then a layer that whites out /usr/share/doc/a* (three gzip layers).
set -eu
SIGNET=${1:-build/signet}
RUNS=${RUNS:-3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
command -v umoci >/dev/null || { echo "bench/oci.sh: umoci not found (apt install umoci)" >&2; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-oci.XXXXXX")
trap 'rm -rf "$D"' EXIT
now() { date +%s.%N; }

image=${OCI_BENCH_IMAGE:-}
what="given"
if [ -z "$image" ] && [ -f "$SRCDIR/build/cache/debian-bookworm/layout/index.json" ]; then
	image=$SRCDIR/build/cache/debian-bookworm/layout:bookworm
	what="Debian example OS"
fi
if [ -z "$image" ]; then
	what="/usr/bin + /usr/share/doc + a whiteout layer"
	umoci init --layout "$D/img" >/dev/null
	umoci new --image "$D/img:b" >/dev/null
	mkdir -p "$D/l1/usr" "$D/l2/usr/share"
	cp -a /usr/bin "$D/l1/usr/"
	cp -a /usr/share/doc "$D/l2/usr/share/"
	umoci --log error insert --image "$D/img:b" "$D/l1" /
	umoci --log error insert --image "$D/img:b" "$D/l2" /
	for d in /usr/share/doc/a*; do
		umoci --log error insert --image "$D/img:b" --no-history --whiteout "$d"
	done
	rm -rf "$D/l1" "$D/l2"
	image=$D/img:b
fi
bytes=$(du -sb "${image%:*}/blobs" | cut -f1)

best_u=999999 best_s=999999
for _ in $(seq "$RUNS"); do
	rm -rf "$D/u" "$D/s"
	sync
	t0=$(now)
	umoci --log error raw unpack --image "$image" "$D/u"
	t1=$(now)
	"$SIGNET" oci unpack --allow-devices "$image" "$D/s" >"$D/out"
	t2=$(now)
	best_u=$(echo "if ($t1 - $t0 < $best_u) $t1 - $t0 else $best_u" | bc -l)
	best_s=$(echo "if ($t2 - $t1 < $best_s) $t2 - $t1 else $best_s" | bc -l)
done
names=$(awk '/^names:/ {print $2}' "$D/out")
layers=$(awk '/^layers:/ {print $2}' "$D/out")
python3 "$SRCDIR/tests/suites/tree_compare.py" "$D/u" "$D/s" >"$D/cmp" && same=same || same="DIFFERENT ($(tail -1 "$D/cmp"))"
echo "oci unpack: $what: $layers layers, $bytes bytes of blobs, $names names (trees: $same)"
printf '  %-22s %8.3f s %10.0f names/s\n' "umoci raw unpack" "$best_u" "$(echo "$names / $best_u" | bc -l)"
printf '  %-22s %8.3f s %10.0f names/s\n' "signet oci unpack" "$best_s" "$(echo "$names / $best_s" | bc -l)"
printf '  ratio (umoci / signet): %.2f\n' "$(echo "$best_u / $best_s" | bc -l)"

rm -rf "$D/u" "$D/s"
mkdir "$D/sq"
t0=$(now)
"$SIGNET" image build --from-oci "$image" --allow-devices -o "$D/sq/root.sqfs" --verity "$D/sq/root.verity" \
	--root-hash-file "$D/sq/root.hash" >/dev/null
t1=$(now)
printf '  image build --from-oci (unpack, mksquashfs, verity): %.3f s, %s bytes of squashfs\n' \
	"$(echo "$t1 - $t0" | bc -l)" "$(stat -c %s "$D/sq/root.sqfs")"
