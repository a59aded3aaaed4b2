#!/bin/bash
# The fleet's boot artifacts from the REAL inputs (scripts/fleet-inputs:
# Debian's kernel, systemd-stub, signet-init and its libraries, modules,
# the sidecar): two builds in two directories agree byte for byte; the
# sidecar's verity tree passes veritysetup; the unsigned UKIs hold no
# signature and no SSH host key; signed on the control plane, every UKI
# passes sbverify, its .initrd holds the host key (0600) as a second
# cpio archive, and signing again changes nothing. Driven through
# tests/fleet_boot_tool.c until fleet build runs the producer.
. "$(dirname "$0")/lib.sh"
: "${FLEET_BOOT_TOOL:=$BUILDDIR/tests/fleet_boot_tool}"
for tool in sbverify veritysetup objcopy python3 mksquashfs busybox cc; do
	command -v "$tool" >/dev/null || { echo "missing tool $tool" >&2; exit 1; }
done
unset SOURCE_DATE_EPOCH

check "fleet inputs" "$SRCDIR/scripts/fleet-inputs" "$SIGNET" "$T/in"
check "fleet init" "$SIGNET" fleet init "$T/r"
check "fleet lock" "$SIGNET" fleet lock -C "$T/r" --inputs "$T/in"
check "build in one directory" "$FLEET_BOOT_TOOL" build "$T/r" "$T/in" "$T/b1"
(cd "$T" && umask 077 && "$FLEET_BOOT_TOOL" build "$T/r" "$T/in" "$T/deep/er/b2") >"$T/.o" 2>&1 &&
	ok || ko "build in another: $(cat "$T/.o")"
same "two builds: identical manifests" "$T/b1/manifest.json" "$T/deep/er/b2/manifest.json"
S=$T/b1/shared/sidecar
check "veritysetup verify the sidecar" veritysetup verify "$S/sidecar.sqfs" "$S/sidecar.verity" "$(cat "$S/sidecar.roothash")"
same "the pinned root hash is the built one" "$T/in/sidecar.roothash" "$S/sidecar.roothash"
hosts=$(cd "$T/b1/hosts" && ls)
[ "$(echo $hosts)" = "app1 app2 bubo crucible ns1 web1" ] && ok || ko "every host but the authority boots: $hosts"

# initrd_entries UKI: the .initrd's cpio archives as the kernel reads
# them, one line "ARCHIVE MODE PATH" per entry.
initrd_entries() {
	objcopy -O binary --only-section=.initrd "$1" "$T/.ird" && python3 - "$T/.ird" <<'PY'
import sys, zlib
d = open(sys.argv[1], "rb").read()
arch = 0
while d:
    if d[0] == 0:
        d = d[1:]; continue
    if d[:2] == b"\x1f\x8b":
        z = zlib.decompressobj(16 + 15); body = z.decompress(d); d = z.unused_data
    else:
        body, d = d, b""
    arch += 1
    off = 0
    while True:
        h = body[off:off + 110]
        assert h[:6] == b"070701", h[:6]
        mode = int(h[14:22], 16); size = int(h[54:62], 16); nl = int(h[94:102], 16)
        name = body[off + 110:off + 110 + nl - 1].decode()
        off = (off + 110 + nl + 3) & ~3
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            break
        print(arch, "%o" % mode, name)
    if d is not None and not d.strip(b"\0") and arch:
        d = d.strip(b"\0")
PY
}
U=$T/b1/hosts/app1/boot/uki.unsigned.efi
if sbverify --list "$U" 2>/dev/null | grep -q "signature 1"; then ko "the unsigned UKI is signed"; else ok; fi
initrd_entries "$U" >"$T/unsigned.ls" && ok || ko "read the unsigned initrd"
grep -q " etc/signet/host.json$" "$T/unsigned.ls" && grep -q " init$" "$T/unsigned.ls" &&
	grep -q " lib/x86_64-linux-gnu/libc.so.6$" "$T/unsigned.ls" && ok || ko "unsigned initrd: $(head -c 300 "$T/unsigned.ls")"
grep -q "ssh_host_ed25519_key" "$T/unsigned.ls" && ko "the unsigned UKI holds the host key" || ok

"$SIGNET" sb keygen --dir "$T/r.keys/sb" --cn "fleet db" >/dev/null && ok || ko "sb keygen"
check "sign" "$FLEET_BOOT_TOOL" sign "$T/r" "$T/b1" "$T/r.keys" "$T/signed"
[ "$(grep -c '^signed hosts/' "$T/.out")" = 6 ] && ok || ko "six signed: $(cat "$T/.out")"
for h in $hosts; do
	check "sbverify $h" sbverify --cert "$T/r.keys/sb/db.crt" "$T/signed/hosts/$h/boot/uki.efi"
	[ "$(stat -c %a "$T/signed/hosts/$h/boot/uki.efi")" = 600 ] && ok || ko "$h's UKI not 0600"
done
initrd_entries "$T/signed/hosts/web1/boot/uki.efi" >"$T/signed.ls" && ok || ko "read the signed initrd"
grep -q "^2 100600 etc/signet/ssh_host_ed25519_key$" "$T/signed.ls" && ok ||
	ko "second archive with the key 0600: $(grep -v '^1 ' "$T/signed.ls")"
check "sign again" "$FLEET_BOOT_TOOL" sign "$T/r" "$T/b1" "$T/r.keys" "$T/signed"
[ "$(grep -c '^unchanged hosts/' "$T/.out")" = 6 ] && ok || ko "again: $(cat "$T/.out")"
cp "$T/r.keys/hosts/app2/ssh_host_ed25519_key" "$T/r.keys/hosts/app1/ssh_host_ed25519_key"
refuse "another host's key" "$FLEET_BOOT_TOOL" sign "$T/r" "$T/b1" "$T/r.keys" "$T/s2"
echo x >>"$T/b1/hosts/app1/boot/uki.unsigned.efi"
refuse "an artifact changed after the build" "$FLEET_BOOT_TOOL" sign "$T/r" "$T/b1" "$T/r.keys" "$T/s3"
finish
