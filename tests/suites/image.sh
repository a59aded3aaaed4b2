#!/bin/bash
# signet image build: squashfs images read back by squashfs-tools
# (unsquashfs), trees checked by veritysetup and rebuilt by veritysetup
# format with the same salt and UUID, root hash signatures checked by
# openssl cms.
. "$(dirname "$0")/lib.sh"

for tool in mksquashfs unsquashfs veritysetup openssl; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done

mkdir -p "$T/tree/etc" "$T/tree/bin" "$T/tree/empty"
echo hello >"$T/tree/etc/greeting"
head -c 300000 /dev/urandom >"$T/tree/bin/blob"
ln -s ../etc/greeting "$T/tree/bin/link"
chmod 0750 "$T/tree/bin/blob"

build() { "$SIGNET" image build --from "$1" -o "$T/$2.sqfs" --verity "$T/$2.verity" --root-hash-file "$T/$2.roothash" "${@:3}"; }
check "image build" build "$T/tree" one
ROOT=$(awk '/^root hash:/ {print $3}' "$T/.out")
[ "$ROOT" = "$(cat "$T/one.roothash")" ] && ok || ko "printed root hash is the one written"
check "unsquashfs lists it" unsquashfs -lls "$T/one.sqfs"
grep -q 'squashfs-root/etc/greeting' "$T/.out" && grep -q 'squashfs-root/bin/link -> ../etc/greeting' "$T/.out" &&
	grep -q '^-rwxr-x--- root/root *300000 1970-01-01 00:00 squashfs-root/bin/blob' "$T/.out" && ok ||
	ko "unsquashfs: names, link, mode, owner root, time 0: $(head -c 600 "$T/.out")"
check "unsquashfs extracts it" unsquashfs -d "$T/x" "$T/one.sqfs"
same "contents come back" "$T/tree/bin/blob" "$T/x/bin/blob"
check "veritysetup verify accepts the tree" veritysetup verify "$T/one.sqfs" "$T/one.verity" "$ROOT"

# Reproducible: the same tree copied elsewhere, other owner and times.
cp -a "$T/tree" "$T/tree2"
chown -R nobody "$T/tree2" 2>/dev/null
touch -d '2001-02-03 04:05:06' "$T/tree2/etc/greeting" "$T/tree2/bin" "$T/tree2"
check "image build of a copy" build "$T/tree2" two
same "same image" "$T/one.sqfs" "$T/two.sqfs"
same "same tree" "$T/one.verity" "$T/two.verity"
same "same root hash" "$T/one.roothash" "$T/two.roothash"

# The salt is SHA-256 of the image; veritysetup, given the same salt and
# UUID, writes the same tree.
veritysetup dump "$T/one.verity" >"$T/dump" 2>&1
SALT=$(awk '/^Salt:/ {print $2}' "$T/dump")
UUID=$(awk '/^UUID:/ {print $2}' "$T/dump")
[ "$SALT" = "$(sha256sum <"$T/one.sqfs" | cut -d' ' -f1)" ] && ok || ko "salt is SHA-256 of the image: $SALT"
[[ "$UUID" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] && ok || ko "UUID is a version 4 UUID: $UUID"
check "veritysetup format with the same salt and UUID" veritysetup format --salt "$SALT" --uuid "$UUID" "$T/one.sqfs" "$T/vs.verity"
same "tree as veritysetup's" "$T/one.verity" "$T/vs.verity"
grep -q "^Root hash:[[:space:]]*$ROOT" "$T/.out" && ok || ko "veritysetup computes the same root hash"
check "given salt and UUID" build "$T/tree" three --salt 00ff --uuid 12345678-1234-1234-1234-123456789abc --compress zstd
veritysetup dump "$T/three.verity" | grep -q '^Salt:[[:space:]]*00ff$' && ok || ko "--salt is used"
check "zstd image verifies" veritysetup verify "$T/three.sqfs" "$T/three.verity" "$(cat "$T/three.roothash")"

# Signed root hash: openssl cms accepts it over the hex root hash.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/c.pem" -subj /CN=image-test -days 30 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k2.pem" -out "$T/c2.pem" -subj /CN=other -days 30 2>/dev/null
check "build with a signed root hash" build "$T/tree" sig --key "$T/k.pem" --cert "$T/c.pem" --root-hash-sig "$T/sig.p7s"
check "openssl cms -verify accepts the signature" openssl cms -verify -binary -inform DER -in "$T/sig.p7s" \
	-content "$T/sig.roothash" -certfile "$T/c.pem" -nointern -noverify -out /dev/null
check "signet verity verify-sig accepts it" "$SIGNET" verity verify-sig --cert "$T/c.pem" --root-hash-file "$T/sig.roothash" "$T/sig.p7s"
refuse "signature does not verify with another certificate" "$SIGNET" verity verify-sig --cert "$T/c2.pem" --root-hash-file "$T/sig.roothash" "$T/sig.p7s"

# Failures: one line, nothing written (none of the outputs).
refuse "a key that does not match the certificate" build "$T/tree" bad1 --key "$T/k2.pem" --cert "$T/c.pem" --root-hash-sig "$T/bad1.p7s"
for f in bad1.sqfs bad1.verity bad1.roothash bad1.p7s; do absent "nothing written ($f)" "$T/$f"; done
ls -a "$T" | grep -q 'signet-tmp\|^\.txn$' && ko "temporary files left behind" || ok
mkdir -p "$T/other"
refuse "outputs in two directories" "$SIGNET" image build --from "$T/tree" -o "$T/bad4.sqfs" --verity "$T/other/bad4.verity"
grep -q "not in the image's directory" "$T/.err" && ok || ko "says why: $(cat "$T/.err")"
absent "nothing written for two directories" "$T/bad4.sqfs"
refuse "one output named twice" "$SIGNET" image build --from "$T/tree" -o "$T/bad5.sqfs" --verity "$T/bad5.sqfs"
absent "nothing written for one name twice" "$T/bad5.sqfs"
refuse "--from a file" build "$T/tree/etc/greeting" bad2
absent "nothing written for a file" "$T/bad2.sqfs"
refuse "--from a missing directory" build "$T/nope" bad3
absent "nothing written for a missing directory" "$T/bad3.sqfs"
refuse "output in a missing directory" "$SIGNET" image build --from "$T/tree" -o "$T/no/such/dir/x.sqfs"
for args in "" "--from $T/tree" "-o $T/u.sqfs" "--from $T/tree -o $T/u.sqfs --root-hash-file $T/u.rh" \
	"--from $T/tree -o $T/u.sqfs --verity $T/u.v --key $T/k.pem" "--from $T/tree -o $T/u.sqfs --compress lzma" \
	"--from $T/tree -o $T/u.sqfs extra"; do
	# shellcheck disable=SC2086
	"$SIGNET" image build $args >/dev/null 2>&1
	[ $? -eq 2 ] && ok || ko "usage error (exit 2) for: image build $args"
done
absent "nothing written on usage errors" "$T/u.sqfs"
check "image build --help" "$SIGNET" image build --help
grep -q '^Usage:' "$T/.out" && ok || ko "help starts with Usage:"
check "image --help" "$SIGNET" image --help
finish
