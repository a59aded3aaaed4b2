#!/bin/bash
# signet oci unpack: images of several layers made by umoci (files
# replaced, deleted by whiteouts, directories made opaque, hard links,
# symlinks, long names, modes, owners, xattrs, FIFOs), unpacked by
# signet and by `umoci raw unpack`, the two trees compared name by name;
# uncompressed and zstd layers (which umoci 0.4.7 does not write) against
# the same content in gzip; the image as skopeo's oci-archive; crafted layers that would write outside the
# directory, refused with nothing written; blobs that do not match their
# descriptors, refused.
. "$(dirname "$0")/lib.sh"

for tool in umoci zstd python3 unsquashfs veritysetup skopeo; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "oci: owners and devices need root" >&2; exit 1; }
HERE=$(dirname "$0")
layer() { python3 "$HERE/oci_layer.py" "$@"; }
compare() { python3 "$HERE/tree_compare.py" "$@"; }
umoci() { command umoci --log error "$@"; }

# The image: four layers by umoci.
s1=$T/s1
mkdir -p "$s1/etc/ssl" "$s1/usr/bin" "$s1/opt/a/b" "$s1/var/empty" "$s1/srv/ro" "$s1/tmp" "$s1/repl"
echo hello >"$s1/etc/motd"
echo one >"$s1/etc/gone"
printf 'bin\0ary' >"$s1/usr/bin/tool"
chmod 4755 "$s1/usr/bin/tool"
ln "$s1/usr/bin/tool" "$s1/usr/bin/tool-hardlink"
ln -s ../usr/bin/tool "$s1/etc/link"
long=$(printf 'n%.0s' $(seq 1 150))
deep="$s1/srv/$(printf 'd%.0s' $(seq 1 90))/$(printf 'e%.0s' $(seq 1 90))"
mkdir -p "$deep"
echo deep >"$deep/$long"
ln "$deep/$long" "$s1/srv/hardlink-to-long"
ln -s "$deep/$long" "$s1/srv/symlink-long-target"
echo long >"$s1/etc/$long"
echo c >"$s1/opt/a/b/c"
echo y >"$s1/opt/a/old"
: >"$s1/etc/empty"
echo ro >"$s1/srv/ro/file"
chmod 0555 "$s1/srv/ro"
chmod 1777 "$s1/tmp"
chmod 2750 "$s1/var/empty"
echo gone-later >"$s1/repl/was-file"
mkdir -p "$s1/repl/was-dir"
echo below >"$s1/repl/was-dir/below"
chown 1234:5678 "$s1/etc/motd"
chown -h 42:43 "$s1/etc/link"
chmod 0640 "$s1/etc/motd"
mkfifo "$s1/var/fifo"
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.test", b"value\0one")' "$s1/etc/motd"
touch -d @1000000000 "$s1/etc/motd"
touch -h -d @1000000001 "$s1/etc/link"

img=$T/img
umoci init --layout "$img"
umoci new --image "$img:t"
umoci insert --image "$img:t" "$s1" /
s2=$T/s2
mkdir -p "$s2/etc" "$s2/repl/was-file"
echo replaced >"$s2/etc/motd"
echo now-a-dir >"$s2/repl/was-file/inside"
ln -s elsewhere "$s2/repl/was-dir"
umoci insert --image "$img:t" "$s2" /
umoci insert --image "$img:t" --whiteout /etc/gone
s3=$T/s3
mkdir -p "$s3/x"
echo new >"$s3/x/newfile"
umoci insert --image "$img:t" --opaque "$s3" /opt
umoci raw unpack --image "$img:t" "$T/ref"

check "signet oci unpack" "$SIGNET" oci unpack "$img:t" "$T/mine"
grep -q '^layers: 4$' "$T/.out" && ok || ko "four layers: $(cat "$T/.out")"
check "the tree equals umoci raw unpack's" compare "$T/ref" "$T/mine"
[ "$(cat "$T/mine/etc/motd")" = replaced ] && [ ! -e "$T/mine/etc/gone" ] &&
	[ -f "$T/mine/opt/x/newfile" ] && [ ! -e "$T/mine/opt/a" ] &&
	[ "$(readlink "$T/mine/repl/was-dir")" = elsewhere ] && [ -f "$T/mine/repl/was-file/inside" ] &&
	[ "$(stat -c %i "$T/mine/usr/bin/tool")" = "$(stat -c %i "$T/mine/usr/bin/tool-hardlink")" ] &&
	[ "$(stat -c %a "$T/mine/usr/bin/tool")" = 4755 ] && ok ||
	ko "replaced, whited out, opaque, file<->dir, hard link, setuid"
ls -A "$T" | grep -q 'mine.signet-' && ko "the staging directory is left behind" || ok
refuse "into a directory that exists" "$SIGNET" oci unpack "$img:t" "$T/mine"
refuse "a tag the layout lacks" "$SIGNET" oci unpack "$img:nope" "$T/nope"
absent "nothing for a missing tag" "$T/nope"
refuse "a bad tag" "$SIGNET" oci unpack "$img:-x" "$T/nope"

# The same image as an oci-archive (skopeo's), and archives that hold
# more than a layout.
check "skopeo writes an oci-archive" skopeo copy -q "oci:$img:t" "oci-archive:$T/img.tar:t"
check "signet oci unpack of the archive" "$SIGNET" oci unpack "$T/img.tar:t" "$T/from-archive"
check "the archive's tree equals umoci's" compare "$T/ref" "$T/from-archive"
for spec in "f:../x:y" "l:blobs/sha256/x:/etc/passwd" "f:etc/passwd:x" "f:blobs/sha256/ABC:x"; do
	layer tar "$T/evil-archive.tar" f:oci-layout:x "$spec"
	refuse "an oci-archive with $spec" "$SIGNET" oci unpack "$T/evil-archive.tar" "$T/evil-archive"
	absent "no tree from it" "$T/evil-archive"
done
ls -A "$T" | grep -q 'evil-archive.signet-' && ko "staging left behind by a refused archive" || ok

# A rootfs image of it: reproducible, and the tree it holds is umoci's.
mkdir "$T/sq1" "$T/sq2"
check "image build --from-oci" "$SIGNET" image build --from-oci "$img:t" -o "$T/sq1/root.sqfs" \
	--verity "$T/sq1/root.verity" --root-hash-file "$T/sq1/root.hash"
check "image build --from-oci again, elsewhere" env -C "$T/sq2" TZ=Asia/Tokyo sh -c 'umask 077; "$1" image build --from-oci "$2" -o root.sqfs --verity root.verity --root-hash-file root.hash' sh "$SIGNET" "$img:t"
same "the same image twice" "$T/sq1/root.sqfs" "$T/sq2/root.sqfs"
same "the same root hash twice" "$T/sq1/root.hash" "$T/sq2/root.hash"
[ -z "$(ls -A "$T/sq1" | grep -v '^root\.')" ] && ok || ko "the unpacked tree is removed: $(ls -A "$T/sq1")"
check "veritysetup verify accepts it" veritysetup verify "$T/sq1/root.sqfs" "$T/sq1/root.verity" "$(cat "$T/sq1/root.hash")"
check "unsquashfs extracts it" unsquashfs -q -d "$T/sq-tree" "$T/sq1/root.sqfs"
check "the image holds umoci's tree (owners, modes, xattrs, times, links)" compare "$T/ref" "$T/sq-tree"
refuse "image build --from-oci of a tag the layout lacks" "$SIGNET" image build --from-oci "$img:nope" -o "$T/sq1/x.sqfs"
absent "no image for it" "$T/sq1/x.sqfs"

# A runtime bundle of it (--bundle): config.json as `signet oci
# runtime-config --rootfs` writes it beside rootfs/, umoci's tree;
# reproducible; an image with nothing to run is refused.
umoci config --image "$img:t" --tag run --config.cmd /bin/tool --config.user 0 >/dev/null
mkdir "$T/b1" "$T/b2"
check "image build --from-oci --bundle" "$SIGNET" image build --from-oci "$img:run" --bundle \
	-o "$T/b1/b.sqfs" --verity "$T/b1/b.verity" --root-hash-file "$T/b1/b.hash"
check "again, elsewhere" env -C "$T/b2" TZ=Asia/Tokyo sh -c 'umask 077; "$1" image build --from-oci "$2" --bundle -o b.sqfs --verity b.verity --root-hash-file b.hash' sh "$SIGNET" "$img:run"
same "the same bundle image twice" "$T/b1/b.sqfs" "$T/b2/b.sqfs"
same "the same root hash twice" "$T/b1/b.hash" "$T/b2/b.hash"
check "unsquashfs extracts the bundle" unsquashfs -q -d "$T/b-tree" "$T/b1/b.sqfs"
check "runtime-config of the same image" "$SIGNET" oci runtime-config --rootfs "$T/mine" "$img:run" "$T/b-config.json"
same "the bundle's config.json is runtime-config's" "$T/b-tree/config.json" "$T/b-config.json"
check "its rootfs/ is umoci's tree" compare "$T/ref" "$T/b-tree/rootfs"
[ "$(stat -c '%a %U %Y' "$T/b-tree" "$T/b-tree/config.json" | tr '\n' ' ')" = "755 root 0 644 root 0 " ] &&
	[ "$(ls -A "$T/b-tree" | tr '\n' ' ')" = "config.json rootfs " ] && ok ||
	ko "the bundle's top: $(stat -c '%n %a %U %Y' "$T/b-tree" "$T/b-tree"/* | tr '\n' '|')"
refuse "a bundle of an image with nothing to run" "$SIGNET" image build --from-oci "$img:t" --bundle -o "$T/b1/x.sqfs"
contains "the rule" "$T/.err" 'neither Entrypoint nor Cmd'
absent "no image for it" "$T/b1/x.sqfs"
[ -z "$(ls -A "$T/b1" | grep -v '^b\.')" ] && ok || ko "the unpacked bundle is removed: $(ls -A "$T/b1")"
expect_exit 2 "--bundle without --from-oci" "$SIGNET" image build --from "$T/mine" --bundle -o "$T/b1/y.sqfs"

# Uncompressed and zstd layers: the same tar as a gzip layer, the same tree.
layer tar "$T/extra.tar" d:extra f:extra/file:content l:extra/sym:file h:extra/hard:extra/file p:extra/fifo
for how in gzip none zstd; do
	cp -a "$img" "$T/img-$how"
	layer add "$T/img-$how" t "$T/extra.tar" $how
	check "a $how layer" "$SIGNET" oci unpack "$T/img-$how:t" "$T/out-$how"
done
check "gzip: umoci agrees" umoci raw unpack --image "$T/img-gzip:t" "$T/ref-gzip"
check "gzip layer tree equals umoci's" compare "$T/ref-gzip" "$T/out-gzip"
check "uncompressed layer: same tree" compare "$T/out-gzip" "$T/out-none"
check "zstd layer: same tree" compare "$T/out-gzip" "$T/out-zstd"

# Crafted layers: each refused with one line, no DIR, nothing outside.
mkdir "$T/outside"
malicious() {
	local what=$1; shift
	rm -rf "$T/bad" "$T/evil"
	cp -a "$img" "$T/bad"
	layer tar "$T/bad.tar" "$@"
	layer add "$T/bad" t "$T/bad.tar" gzip
	refuse "$what" "$SIGNET" oci unpack "$T/bad:t" "$T/evil"
	[ -n "${OCI_SHOW:-}" ] && cat "$T/.err" >&2
	absent "$what: no tree" "$T/evil"
	[ -z "$(ls -A "$T/outside")" ] && ok || ko "$what: something appeared outside: $(ls -A "$T/outside")"
	ls -A "$T" | grep -q 'evil.signet-' && ko "$what: staging left behind" || ok
}
malicious "a symlink then a file through it" l:esc:"$T/outside" f:esc/pwned:x
malicious "a file through a lower layer's symlink" f:etc/link/pwned:x
malicious "a relative symlink then a directory through it" l:up:../../outside d:up/dir f:up/dir/x:x
malicious "a ../ name" f:../outside/pwned:x
malicious "a ../ inside a name" f:etc/../../outside/pwned:x
malicious "an absolute name" f:"$T/outside/pwned":x
malicious "a hard link to outside" h:pw:../../../etc/passwd
malicious "a hard link to an absolute name" h:pw:/etc/passwd
malicious "a hard link to a name not in the image" h:pw:etc/nothing
malicious "a hard link to a directory" h:pw:etc
malicious "a whiteout of .." f:etc/.wh..:
malicious "a whiteout of ." f:etc/.wh.:
malicious "a bare .wh." f:.wh.:
malicious "an AUFS .wh..wh. name" f:etc/.wh..wh.plnk:
malicious "a name below a whiteout" f:.wh.etc/x:x
malicious "a device node" c:dev-null
grep -q 'allow-devices' "$T/.err" 2>/dev/null || true
# ... which --allow-devices makes.
rm -rf "$T/dev"
cp -a "$img" "$T/dev"
layer tar "$T/dev.tar" d:dev c:dev/null
layer add "$T/dev" t "$T/dev.tar" gzip
check "--allow-devices makes it" "$SIGNET" oci unpack --allow-devices "$T/dev:t" "$T/dev-out"
[ -c "$T/dev-out/dev/null" ] && [ "$(stat -c '%t:%T' "$T/dev-out/dev/null")" = 1:3 ] && ok ||
	ko "the device is 1:3"

# Blobs that do not match what names them.
corrupt() {
	local what=$1 how=$2
	rm -rf "$T/c" "$T/c-out"
	cp -a "$T/img-none" "$T/c"
	local blob
	blob=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]+"/index.json")); m=d["manifests"][0]["digest"][7:]; print(json.load(open(sys.argv[1]+"/blobs/sha256/"+m))["layers"][-1]["digest"][7:])' "$T/c")
	case $how in
	flip) # in a file's data, where only the digest can tell
		local at
		at=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().index(b"content"))' "$T/c/blobs/sha256/$blob")
		printf 'X' | dd of="$T/c/blobs/sha256/$blob" bs=1 seek="$at" conv=notrunc status=none ;;
	truncate) truncate -s 1024 "$T/c/blobs/sha256/$blob" ;;
	grow) printf 'extra' >>"$T/c/blobs/sha256/$blob" ;;
	diffid) layer set-diff-id "$T/c" t 4 "$(printf '0%.0s' $(seq 1 64))" ;;
	esac
	refuse "$what" "$SIGNET" oci unpack "$T/c:t" "$T/c-out"
	[ -n "${OCI_SHOW:-}" ] && cat "$T/.err" >&2
	absent "$what: no tree" "$T/c-out"
}
corrupt "a flipped byte in a layer" flip
grep -q 'its digest is sha256:' "$T/.err" && ok || ko "the flip is found by the digest: $(cat "$T/.err")"
corrupt "a truncated layer" truncate
corrupt "a layer longer than its descriptor" grow
corrupt "a diff_id that is not the layer's" diffid
grep -q 'its diff_id' "$T/.err" && ok || ko "the diff_id is checked: $(cat "$T/.err")"

finish
