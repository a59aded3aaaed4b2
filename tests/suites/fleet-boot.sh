#!/bin/bash
# The fleet's boot artifacts from the REAL inputs (scripts/fleet-inputs:
# Debian's kernel, systemd-stub, signet-init and its libraries, modules,
# the sidecar), through the commands: fleet build in two clones, in two
# directories, under other TZ, umask and locale, agree byte for byte
# (fleet compare of their attestations); the sidecar's verity tree
# passes veritysetup; the unsigned UKIs hold no signature and no SSH
# host key; fleet sign makes every UKI pass sbverify, its .initrd
# holding the host key (0600) as a cpio archive of its own, predicts the
# PCR 11 that systemd-measure computes from the same sections and the
# PCR 7 of sb pcr7, signs the sidecar's root hash (openssl cms accepts
# it), and writes each host's ESP (mtools reads it back);
# signing again gives the same bytes. A host's own cmdline changes that
# host's UKI only. The app hosts run the example OS (rootfs: debian,
# scripts/debian-oci's OCI layout in the inputs): it is built once into
# shared/rootfs/debian.{sqfs,verity,roothash}, the same on both builders,
# veritysetup verifies it, its root hash is in the app hosts' host.json
# and UKIs, a rebuild after a host's edit reuses it, and an altered blob
# is refused (by the lock's pins, and by the unpacker once re-pinned), as
# is a pinned root hash that is not the image's; fleet sign writes their
# LUKS2 first-install disks holding it, opened by the disk key in KEYS.
. "$(dirname "$0")/lib.sh"
for tool in sbverify veritysetup cryptsetup debugfs objcopy python3 mksquashfs busybox cc git mdir mtype openssl; do
	command -v "$tool" >/dev/null || { echo "missing tool $tool" >&2; exit 1; }
done
MEASURE=/usr/lib/systemd/systemd-measure
[ -x "$MEASURE" ] || { echo "missing $MEASURE" >&2; exit 1; }
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@example.invalid GIT_AUTHOR_DATE=@1796000000 GIT_COMMITTER_DATE=@1796000000
unset SOURCE_DATE_EPOCH
F=$T/r K=$T/r.keys S=$T/signed

check "fleet inputs" "$SRCDIR/scripts/fleet-inputs" "$SIGNET" "$T/in"
check "fleet init" "$SIGNET" fleet init "$F"
for h in app1 app2; do echo "rootfs: debian" >>"$F/hosts/$h.yaml"; done
check "fleet lock" "$SIGNET" fleet lock -C "$F" --inputs "$T/in"
check "fleet issue" "$SIGNET" fleet issue -C "$F" --keys "$K"
check "sb keygen" "$SIGNET" sb keygen --dir "$K/sb" --cn "fleet db"
(cd "$F" && git init -q && git add . && git commit -qm "the fleet, issued") && ok || ko "commit"
git clone -q "$F" "$T/bubo/src" && git clone -q "$F" "$T/crucible/deep/er/src" && ok || ko "clones"
(cd "$T/bubo/src" && TZ=UTC LANG=C && umask 022 && "$SIGNET" fleet build --out ../out --inputs "$T/in") \
	>"$T/.o" 2>&1 && ok || ko "bubo builds: $(cat "$T/.o")"
(cd "$T/crucible/deep/er/src" && export TZ=Pacific/Auckland LC_ALL=C.UTF-8 && umask 077 &&
	"$SIGNET" fleet build --out ../out --inputs "$T/in") >"$T/.o" 2>&1 && ok || ko "crucible builds: $(cat "$T/.o")"
check "bubo attests" "$SIGNET" fleet attest -C "$F" --builder bubo --key "$K/hosts/bubo/attestation.key" \
	--build "$T/bubo/out" -o "$T/bubo.att"
check "crucible attests" "$SIGNET" fleet attest -C "$F" --builder crucible \
	--key "$K/hosts/crucible/attestation.key" --build "$T/crucible/deep/er/out" -o "$T/crucible.att"
check "fleet compare" "$SIGNET" fleet compare -C "$F" "$T/bubo.att" "$T/crucible.att"
same "two builds: identical manifests" "$T/bubo/out/manifest.json" "$T/crucible/deep/er/out/manifest.json"
B=$T/bubo/out
S1=$B/shared/sidecar
check "veritysetup verify the sidecar" veritysetup verify "$S1/sidecar.sqfs" "$S1/sidecar.verity" "$(cat "$S1/sidecar.roothash")"
same "the pinned root hash is the built one" "$T/in/sidecar.roothash" "$S1/sidecar.roothash"
# The rootfs image: built once, verified, the pinned root hash, named by
# the app hosts only; in what the builders attested.
R=$B/shared/rootfs
check "veritysetup verify the rootfs" veritysetup verify "$R/debian.sqfs" "$R/debian.verity" "$(cat "$R/debian.roothash")"
same "the rootfs's pinned root hash is the built one" "$T/in/rootfs/debian.roothash" "$R/debian.roothash"
for a in sqfs verity roothash; do
	same "two builders: the same rootfs $a" "$R/debian.$a" "$T/crucible/deep/er/out/shared/rootfs/debian.$a"
	grep -q "\"shared/rootfs/debian.$a\"" "$T/bubo.att" && grep -q "\"shared/rootfs/debian.$a\"" "$T/crucible.att" &&
		ok || ko "the attestations list shared/rootfs/debian.$a"
done
[ "$(ls "$B/shared")" = "$(printf 'rootfs\nsidecar')" ] && [ "$(ls "$R" | wc -l)" = 3 ] && ok || ko "one rootfs: $(ls -R "$B/shared")"
RH=$(cat "$R/debian.roothash")
for h in app1 app2; do
	grep -q "\"rootfs\":\"debian\",\"rootfs_hash\":\"$RH\"" "$B/hosts/$h/host.json" && ok ||
		ko "$h's host.json names the rootfs's root hash: $(cat "$B/hosts/$h/host.json")"
done
grep -q rootfs_hash "$B/hosts/web1/host.json" && ko "web1 names a rootfs" || ok

hosts=$(cd "$B/hosts" && for h in *; do [ -e "$h/boot/uki.unsigned.efi" ] && echo "$h"; done)
[ "$(echo $hosts)" = "app1 app2 bubo crucible ns1 web1" ] && ok || ko "every host but the authority boots: $hosts"

# initrd_entries UKI: the .initrd's cpio archives as the kernel reads
# them, one line "ARCHIVE MODE PATH" per entry.
initrd_entries() {
	objcopy -O binary --only-section=.initrd "$1" "$T/.ird" &&
		python3 "$SRCDIR/tests/suites/initrd_unpack.py" --list "$T/.ird"
}
# pe_section PE NAME: the section's contents as the stub measures them
# (VirtualSize bytes, not the file's padding).
pe_section() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", d, 0x3c)[0]
n, opt = struct.unpack_from("<H", d, pe + 6)[0], struct.unpack_from("<H", d, pe + 20)[0]
for i in range(n):
    o = pe + 24 + opt + 40 * i
    name = d[o:o + 8].rstrip(b"\0").decode()
    vsize, _, raw, ptr = struct.unpack_from("<IIII", d, o + 8)
    if name == sys.argv[2]:
        sys.stdout.buffer.write(d[ptr:ptr + min(vsize, raw)] + b"\0" * max(0, vsize - raw))
        sys.exit(0)
sys.exit(1)
PY
}
U=$B/hosts/app1/boot/uki.unsigned.efi
if sbverify --list "$U" 2>/dev/null | grep -q "signature 1"; then ko "the unsigned UKI is signed"; else ok; fi
initrd_entries "$U" >"$T/unsigned.ls" && ok || ko "read the unsigned initrd"
grep -q " etc/signet/host.json$" "$T/unsigned.ls" && grep -q " init$" "$T/unsigned.ls" &&
	grep -q " lib/x86_64-linux-gnu/libc.so.6$" "$T/unsigned.ls" && ok || ko "unsigned initrd: $(head -c 300 "$T/unsigned.ls")"
grep -q "ssh_host_ed25519_key" "$T/unsigned.ls" && ko "the unsigned UKI holds the host key" || ok
objcopy -O binary --only-section=.initrd "$U" "$T/.ird" && mkdir "$T/ird" &&
	python3 "$SRCDIR/tests/suites/initrd_unpack.py" "$T/.ird" "$T/ird" >/dev/null &&
	same "the UKI's host.json is the build's (with the rootfs's root hash)" "$T/ird/etc/signet/host.json" "$B/hosts/app1/host.json"
grep -q "^2 100644 etc/signet/sidecar-signer.pem$" "$T/unsigned.ls" && ok ||
	ko "the host archive trusts the sidecar signer: $(grep -v '^1 ' "$T/unsigned.ls")"
pe_section "$U" .cmdline >"$T/cmdline" && grep -q "^console=ttyS0 panic=-1" "$T/cmdline" &&
	ok || ko "fleet.yaml's boot.cmdline in the UKI: $(cat "$T/cmdline")"

sign() { "$SIGNET" fleet sign -C "$F" --keys "$K" --build "$B" --out "$1" "$T/bubo.att" "$T/crucible.att"; }
check "fleet sign" sign "$S"
[ "$(grep -c '^signed hosts/.*/boot/uki.efi ' "$T/.out")" = 6 ] && ok || ko "six signed: $(cat "$T/.out")"
# The sidecar's root hash signed by the sidecar signer: accepted by
# openssl cms and by signet-init's own check, with the certificate in
# state/ (what the UKIs hold).
P7S=$S/shared/sidecar/sidecar.roothash.p7s
check "openssl cms -verify: the root hash signature" openssl cms -verify -binary -inform DER -in "$P7S" \
	-content "$S1/sidecar.roothash" -certfile "$F/state/verity/signer.pem" -nointern -noverify -out /dev/null
check "verity verify-sig: the root hash signature" "$SIGNET" verity verify-sig \
	--cert "$F/state/verity/signer.pem" --root-hash-file "$S1/sidecar.roothash" "$P7S"
cmp -s "$F/state/verity/signer.pem" "$K/verity/signer.pem" && ! grep -q "PRIVATE" "$F/state/verity/signer.pem" &&
	grep -q "^-----BEGIN AGE ENCRYPTED FILE-----" "$K/verity/signer.key.age" && ok ||
	ko "the signer: its certificate in state/, its key encrypted in KEYS"
PCR7=$("$SIGNET" sb pcr7 --dir "$K/sb")
for h in $hosts; do
	H=$S/hosts/$h/boot
	check "sbverify $h" sbverify --cert "$K/sb/db.crt" "$H/uki.efi"
	[ "$(stat -c %a "$H/uki.efi") $(stat -c %a "$H/esp.img")" = "600 600" ] && ok || ko "$h's UKI and ESP not 0600"
	# PCR 11 as systemd-measure computes it from the signed UKI's sections
	# (systemd 252 measures .linux .osrel .cmdline .initrd, not .uname/.sbat).
	args=()
	for sec in linux osrel cmdline initrd; do
		pe_section "$H/uki.efi" .$sec >"$T/$h.$sec" && args+=("--$sec=$T/$h.$sec")
	done
	THEIRS=$("$MEASURE" calculate "${args[@]}" --bank=sha256 --phase= 2>/dev/null |
		awk -F= '/^11:sha256=/ {print $2; exit}')
	[ -n "$THEIRS" ] && [ "$(cat "$H/pcrs")" = "$(printf '7:%s\n11:%s' "$PCR7" "$THEIRS")" ] && ok ||
		ko "$h's pcrs: $(tr '\n' ' ' <"$H/pcrs"), systemd-measure 11:$THEIRS, sb pcr7 $PCR7"
	# The ESP: the signed UKI as the default loader, the sidecar in A and B.
	mtype -i "$H/esp.img" ::EFI/BOOT/BOOTX64.EFI | cmp -s - "$H/uki.efi" &&
		mtype -i "$H/esp.img" ::EFI/signet/B/sidecar.roothash | cmp -s - "$S1/sidecar.roothash" &&
		mtype -i "$H/esp.img" ::EFI/signet/A/sidecar.roothash.p7s | cmp -s - "$P7S" &&
		ok || ko "$h's ESP holds its UKI and the sidecar"
done
initrd_entries "$S/hosts/web1/boot/uki.efi" >"$T/signed.ls" && ok || ko "read the signed initrd"
grep -q "^3 100600 etc/signet/ssh_host_ed25519_key$" "$T/signed.ls" && ok ||
	ko "third archive (after the system and the host archives) with the key 0600: $(grep -v "^[12] " "$T/signed.ls")"
# The app hosts' first-install disks: LUKS2 (cryptsetup opens them with
# the host's disk key, made in KEYS, 0600), the rootfs image and its tree
# in /initos, as the build made them; none for a host without a rootfs.
for h in app1 app2; do
	D=$S/hosts/$h/boot/disk.img DK=$K/hosts/$h/disk.key
	[ "$(stat -c '%a %s' "$DK") $(stat -c %a "$D")" = "600 32 600" ] && ok || ko "$h's disk key and disk.img not 0600"
	check "cryptsetup opens $h's disk with its key" cryptsetup open --test-passphrase --key-file "$DK" "$D"
	rm -f "$T/plain" "$T/d.sqfs" "$T/d.verity"
	python3 "$SRCDIR/tests/suites/luks_open.py" "$DK" "$D" "$T/plain" >/dev/null &&
		debugfs -R "dump /initos/debian.sqfs $T/d.sqfs" "$T/plain" 2>/dev/null &&
		debugfs -R "dump /initos/debian.verity $T/d.verity" "$T/plain" 2>/dev/null && ok || ko "read $h's disk"
	same "$h's disk holds the rootfs image" "$T/d.sqfs" "$R/debian.sqfs"
	same "$h's disk holds its verity tree" "$T/d.verity" "$R/debian.verity"
done
absent "no disk for web1" "$S/hosts/web1/boot/disk.img"
cp "$K/hosts/app1/disk.key" "$T/app1.disk.key"
check "sign again, elsewhere" sign "$T/signed2"
same "signing again keeps the disk key" "$T/app1.disk.key" "$K/hosts/app1/disk.key"
check "the new disk opens with it" cryptsetup open --test-passphrase --key-file "$K/hosts/app1/disk.key" \
	"$T/signed2/hosts/app1/boot/disk.img"
for f in hosts/app1/boot/uki.efi hosts/app1/boot/pcrs hosts/app1/boot/esp.img \
	shared/sidecar/sidecar.roothash.p7s; do
	same "signing is deterministic: $f" "$S/$f" "$T/signed2/$f"
done

# The keys sign refuses: another host's SSH key; a build changed after
# the attestations.
cp "$K/hosts/app1/ssh_host_ed25519_key" "$T/app1.key"
cp "$K/hosts/app2/ssh_host_ed25519_key" "$K/hosts/app1/ssh_host_ed25519_key"
refuse "another host's key" sign "$T/s2"
absent "nothing signed" "$T/s2"
cp "$T/app1.key" "$K/hosts/app1/ssh_host_ed25519_key"
cp "$B/hosts/app1/boot/uki.unsigned.efi" "$T/u.efi"
echo x >>"$B/hosts/app1/boot/uki.unsigned.efi"
refuse "an artifact changed after the build" sign "$T/s3"
cp "$T/u.efi" "$B/hosts/app1/boot/uki.unsigned.efi"

# app1's own command line: its UKI changes, no other host's.
(cd "$T/bubo/src" && echo "cmdline: console=ttyS0 panic=-1 quiet" >>hosts/app1.yaml &&
	git commit -qam "app1: quiet") && ok || ko "edit app1"
"$SIGNET" fleet plan -C "$T/bubo/src" --against "$T/crucible.att" | grep -v '^unchanged' | tr -s ' ' >"$T/plan"
[ "$(head -1 "$T/plan")" = "changed app1 uki-unsigned hosts/app1/boot/uki.unsigned.efi" ] &&
	grep -q "^0 added, 1 changed, [0-9]* unchanged, 0 removed$" "$T/plan" && ok ||
	ko "plan after app1's cmdline: $(cat "$T/plan")"
# The rebuild makes app1's UKI again, and not the rootfs image.
cp "$R/debian.sqfs" "$T/debian.sqfs.before"
check "rebuild after app1's edit" "$SIGNET" fleet build -C "$T/bubo/src" --out "$B" --inputs "$T/in"
grep -q "(1 made, " "$T/.out" && ok || ko "one artifact made again: $(cat "$T/.out")"
same "the rootfs image kept" "$T/debian.sqfs.before" "$R/debian.sqfs"

# An altered blob of the rootfs's layout: refused by the lock's pins...
cp -a "$T/in" "$T/in2"
blob=$(ls -S "$T/in2/rootfs/debian/blobs/sha256" | head -1)
# one bit of byte 4096 flipped: changed whatever the byte was
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[4096] ^= 1; open(sys.argv[1], "wb").write(b)' \
	"$T/in2/rootfs/debian/blobs/sha256/$blob"
cmp -s "$T/in/rootfs/debian/blobs/sha256/$blob" "$T/in2/rootfs/debian/blobs/sha256/$blob" &&
	ko "the blob is altered" || ok
"$SIGNET" fleet build -C "$T/bubo/src" --out "$T/o2" --inputs "$T/in2" >"$T/.out" 2>"$T/.err"
[ $? -eq 1 ] && grep -q "^fleet.lock:[0-9]*: input 'rootfs/debian/blobs/sha256/$blob': .* the lock pins " "$T/.err" &&
	ok || ko "an altered blob against the lock: $(cat "$T/.err")"
absent "nothing built with an altered blob" "$T/o2"
# ...and, pinned again as it is, by the unpacker (a blob is named by its digest).
git clone -q "$F" "$T/c2" && "$SIGNET" fleet lock -C "$T/c2" --inputs "$T/in2" >/dev/null 2>&1 && ok || ko "re-pin"
"$SIGNET" fleet build -C "$T/c2" --out "$T/o2" --inputs "$T/in2" >"$T/.out" 2>"$T/.err"
[ $? -eq 1 ] && grep -q "shared/rootfs/debian.roothash: .*$blob" "$T/.err" && ok ||
	ko "an altered blob, re-pinned, refused by the unpacker: $(cat "$T/.err")"
absent "nothing built with an altered blob, re-pinned" "$T/o2"
# A pinned root hash that is not the image's: the build fails, no UKI trusts it.
rm -rf "$T/in2/rootfs/debian" && cp -a "$T/in/rootfs/debian" "$T/in2/rootfs/"
printf '%064d' 0 >"$T/in2/rootfs/debian.roothash"
"$SIGNET" fleet lock -C "$T/c2" --inputs "$T/in2" >/dev/null 2>&1
"$SIGNET" fleet build -C "$T/c2" --out "$T/o2" --inputs "$T/in2" >"$T/.out" 2>"$T/.err"
[ $? -eq 1 ] && grep -q "rootfs/debian.roothash: pins 0\{64\}, the image's root hash is $RH$" "$T/.err" && ok ||
	ko "a wrong pinned root hash: $(cat "$T/.err")"
absent "nothing built with a wrong root hash" "$T/o2"
finish
