#!/bin/bash
# bench/debian-oci.sh [SIGNET] - scripts/debian-oci, the example OS image:
# the cold build time (mmdebstrap and umoci from nothing, the .debs
# already downloaded), the warm time (a second call, which finds its
# stamp), the image's size, and whether two cold builds are the same: the
# second from another working directory, with another TZ, locale and
# umask, into another OUTDIR, must give the same manifest digest.
# SIGNET only names the build tree whose cache/debian-bookworm keeps the
# downloads (default build/signet, so build/cache).
set -eu
SIGNET=${1:-${SIGNET:-build/signet}}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=$(cd "$(dirname "$SIGNET")" && pwd)
for tool in mmdebstrap umoci python3; do
	command -v $tool >/dev/null || { echo "bench/debian-oci.sh: $tool missing (scripts/deps bench)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-debian-oci.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "bench/debian-oci.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# The downloads, once, in the build tree's cache (a build if need be).
CACHE=$BUILDDIR/cache/debian-bookworm
"$SRCDIR/scripts/debian-oci" "$CACHE" >/dev/null || fail "scripts/debian-oci $CACHE failed"

mkdir -p "$T/a" "$T/b" "$T/deep/er/cwd"
cp -a "$CACHE/apt-cache" "$T/a/"
cp -a "$CACHE/apt-cache" "$T/b/"
t0=$(now)
"$SRCDIR/scripts/debian-oci" "$T/a" >/dev/null || fail "cold build a failed"
cold_a=$(since "$t0")
t0=$(now)
"$SRCDIR/scripts/debian-oci" "$T/a" >/dev/null || fail "warm call failed"
warm=$(since "$t0")
t0=$(now)
(cd "$T/deep/er/cwd" && export TZ=Pacific/Auckland LC_ALL=C.UTF-8 && umask 077 &&
	"$SRCDIR/scripts/debian-oci" ../../../b >/dev/null) || fail "cold build b failed"
cold_b=$(since "$t0")

python3 - "$T/a/layout" "$T/b/layout" "$cold_a" "$cold_b" "$warm" "$(nproc)" <<'PY'
import gzip, json, sys, tarfile
a, b, cold_a, cold_b, warm, cpus = sys.argv[1:]
def manifest(L):
    (m,) = json.load(open(f"{L}/index.json"))["manifests"]
    man = json.load(open(f"{L}/blobs/sha256/{m['digest'].split(':')[1]}"))
    return m["digest"], man
da, ma = manifest(a)
db, _ = manifest(b)
(layer,) = ma["layers"]
path = f"{a}/blobs/sha256/{layer['digest'].split(':')[1]}"
raw = entries = files = 0
with gzip.open(path) as f:
    while chunk := f.read(1 << 20):
        raw += len(chunk)
with tarfile.open(path) as t:
    for e in t:
        entries += 1
        files += e.isreg()
print(f"scripts/debian-oci, Debian bookworm + systemd, {cpus} CPUs, .debs cached")
print(f"  {'cold build':<24} {float(cold_a):7.2f} s")
print(f"  {'cold build (TZ, umask)':<24} {float(cold_b):7.2f} s")
print(f"  {'warm (stamp unchanged)':<24} {float(warm):7.2f} s")
print(f"  {'layer (gzip)':<24} {layer['size']:>12,} bytes")
print(f"  {'layer (tar)':<24} {raw:>12,} bytes, {entries} entries, {files} regular files")
print(f"  {'manifest':<24} {da}")
if da != db:
    print(f"  NOT REPRODUCIBLE: the second build's manifest is {db}")
    sys.exit(1)
print(f"  {'reproducible':<24} yes (both builds give the same manifest digest)")
PY
