#!/bin/bash
# signet esp build: FAT images checked by dosfstools (fsck.fat) and read
# back with mtools (mdir, mcopy), the A/B layout of docs/design.md.
. "$(dirname "$0")/lib.sh"

for tool in fsck.fat mdir mcopy mformat; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done

mkdir -p "$T/A" "$T/B" "$T/tree/etc"
echo a >"$T/tree/etc/id"
check "image for the slots" "$SIGNET" image build --from "$T/tree" -o "$T/A/sidecar.sqfs" \
	--verity "$T/A/sidecar.verity" --root-hash-file "$T/A/sidecar.roothash"
cp "$T/A/"* "$T/B/"
head -c 2000000 /dev/urandom >"$T/A/uki.efi"
head -c 1234567 /dev/urandom >"$T/boot.efi"

build() { "$SIGNET" esp build -o "$T/$1" --boot "$T/boot.efi" --slot "A:$T/A" --slot "B:$T/B" "${@:2}"; }
check "esp build" build esp.img
check "fsck.fat accepts it" fsck.fat -n "$T/esp.img"
[ "$(stat -c %s "$T/esp.img")" -eq $((64 * 1048576)) ] && ok || ko "default size 64 MiB"
check "mdir lists every file" mdir -i "$T/esp.img" -/ -b ::
for f in EFI/BOOT/BOOTX64.EFI EFI/signet/A/uki.efi EFI/signet/A/sidecar.sqfs EFI/signet/A/sidecar.verity \
	EFI/signet/A/sidecar.roothash EFI/signet/B/sidecar.sqfs EFI/signet/B/sidecar.verity EFI/signet/B/sidecar.roothash; do
	grep -qx "::/$f" "$T/.out" && ok || ko "mdir lists $f: $(tr '\n' ' ' <"$T/.out")"
done
[ "$(grep -c . "$T/.out")" -eq 13 ] && ok || ko "nothing else on the ESP (5 directories, 8 files)"
mcopy -n -i "$T/esp.img" ::EFI/BOOT/BOOTX64.EFI "$T/back.boot" && same "BOOTX64.EFI comes back" "$T/boot.efi" "$T/back.boot"
mcopy -n -i "$T/esp.img" ::EFI/signet/A/uki.efi "$T/back.uki" && same "A/uki.efi comes back" "$T/A/uki.efi" "$T/back.uki"
mcopy -n -i "$T/esp.img" ::EFI/signet/B/sidecar.sqfs "$T/back.sqfs" && same "B/sidecar.sqfs comes back" "$T/B/sidecar.sqfs" "$T/back.sqfs"
mdir -i "$T/esp.img" ::EFI/signet/A | grep -q 'sidecar.sqfs' && ok || ko "long names kept"
mdir -i "$T/esp.img" ::EFI/BOOT | grep -q '1980-01-01   0:00' && ok || ko "time stamps at the FAT epoch"
mdir -i "$T/esp.img" :: | grep -q 'Serial Number is 5349-474E' && ok || ko "fixed serial"

sleep 1
touch "$T/A/uki.efi" "$T/boot.efi"
check "esp build again" build esp2.img
same "reproducible" "$T/esp.img" "$T/esp2.img"
check "one slot, label, serial, size" "$SIGNET" esp build -o "$T/small.img" --slot "B:$T/B" --size 8 --label SIGNET_1 --serial deadbeef
mdir -i "$T/small.img" :: | grep -q 'Volume in drive : is SIGNET_1' && ok || ko "label"
mdir -i "$T/small.img" :: | grep -q 'Serial Number is DEAD-BEEF' && ok || ko "serial"
mdir -i "$T/small.img" ::EFI/signet/A >/dev/null 2>&1 && ko "slot A absent" || ok
check "fsck.fat accepts the small one" fsck.fat -n "$T/small.img"

# Failures: one line, nothing written.
mkdir -p "$T/extra" && cp "$T/B/"* "$T/extra/" && echo x >"$T/extra/notes.txt"
refuse "a slot with an unexpected file" "$SIGNET" esp build -o "$T/bad1.img" --slot "A:$T/extra"
absent "nothing written (unexpected file)" "$T/bad1.img"
mkdir -p "$T/partial" && cp "$T/B/sidecar.sqfs" "$T/B/sidecar.verity" "$T/partial/"
refuse "a slot without its root hash" "$SIGNET" esp build -o "$T/bad2.img" --slot "A:$T/partial"
absent "nothing written (missing root hash)" "$T/bad2.img"
head -c 12000000 /dev/urandom >"$T/big.efi"
refuse "files that do not fit" "$SIGNET" esp build -o "$T/bad3.img" --boot "$T/big.efi" --size 8
absent "nothing written (disk full)" "$T/bad3.img"
ls "$T" | grep -q signet-tmp && ko "temporary file left behind" || ok
refuse "a label with a space" "$SIGNET" esp build -o "$T/bad4.img" --label "MY ESP"
refuse "missing boot file" "$SIGNET" esp build -o "$T/bad5.img" --boot "$T/nope"
for args in "" "-o $T/u.img --slot C:$T/A" "-o $T/u.img --slot A" "-o $T/u.img --slot A:$T/A --slot A:$T/B" \
	"-o $T/u.img --size 10000" "-o $T/u.img --serial xyz" "-o $T/u.img extra"; do
	# shellcheck disable=SC2086
	"$SIGNET" esp build $args >/dev/null 2>&1
	[ $? -eq 2 ] && ok || ko "usage error (exit 2) for: esp build $args"
done
refuse "size below the minimum" "$SIGNET" esp build -o "$T/u.img" --size 4
absent "nothing written on usage errors" "$T/u.img"
check "esp build --help" "$SIGNET" esp build --help
grep -q '^Usage:' "$T/.out" && ok || ko "help starts with Usage:"
finish
