#!/bin/bash
# signet uki: images built from systemd's stub, read back by binutils
# (objdump, objcopy), signed and verified by sbsigntools, PCR 11 checked
# against systemd-measure.
. "$(dirname "$0")/lib.sh"

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
MEASURE=/usr/lib/systemd/systemd-measure
for tool in objdump objcopy sbsign sbverify sha256sum; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done
[ -r "$STUB" ] && [ -x "$MEASURE" ] || { echo "missing systemd-boot-efi or systemd-measure" >&2; exit 1; }

# Inputs: the kernel and initrds are opaque to the UKI format, so random
# data of realistic sizes stands in for them.
head -c 7340033 /dev/urandom >"$T/vmlinuz"
head -c 1000001 /dev/urandom >"$T/initrd1"
head -c 4099 /dev/urandom >"$T/initrd2"
printf 'root=/dev/vda1 console=ttyS0 quiet' >"$T/cmdline"
printf 'ID=signet\nVERSION_ID=1\nPRETTY_NAME="signet test"\n' >"$T/os-release"
printf 'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nsg,1,S,sg,1,u\n' >"$T/sbat.csv"
(cat "$T/initrd1"; printf '\0\0\0'; cat "$T/initrd2") >"$T/initrd.cat" # 1000001 -> 4-aligned

build() {
	"$SIGNET" uki build --linux "$T/vmlinuz" --initrd "$T/initrd1" --initrd "$T/initrd2" \
		--cmdline @"$T/cmdline" --os-release "$T/os-release" --uname 6.1.0-signet \
		--sbat "$T/sbat.csv" -o "$@"
}
check "uki build" build "$T/uki.efi"
check "uki build again" build "$T/uki2.efi"
same "uki build is reproducible" "$T/uki.efi" "$T/uki2.efi"

# binutils reads it: sections, alignment, SizeOfImage.
check "objdump -h" objdump -h "$T/uki.efi"
cp "$T/.out" "$T/sections"
for s in .osrel .cmdline .uname .initrd .linux; do
	grep -q " $s " "$T/sections" && ok || ko "objdump lists $s"
done
awk '$2 ~ /^\.(osrel|cmdline|uname|initrd|linux)$/ {print $2}' "$T/sections" | tr '\n' ' ' >"$T/order"
[ "$(cat "$T/order")" = ".osrel .cmdline .uname .initrd .linux " ] && ok || ko "section order: $(cat "$T/order")"
SALIGN=$((16#$(objdump -p "$T/uki.efi" | awk '/^SectionAlignment/ {print $2}')))
IMG=$((16#$(objdump -p "$T/uki.efi" | awk '/^SizeOfImage/ {print $2}')))
[ "$SALIGN" -gt 0 ] && [ "$IMG" -gt 0 ] && ok || ko "objdump -p shows SectionAlignment and SizeOfImage"
END=0
bad=0
while read -r _ name size vma _ off _; do
	size=$((16#$size)); vma=$((16#$vma))
	case $name in .osrel|.cmdline|.uname|.initrd|.linux) [ $((vma % SALIGN)) -eq 0 ] || bad=1 ;; esac
	[ $((vma + size)) -gt $END ] && END=$((vma + size))
done < <(grep -E '^ +[0-9]+ ' "$T/sections")
[ $bad -eq 0 ] && ok || ko "every added section VMA aligned to SectionAlignment $SALIGN"
[ "$IMG" -eq $(((END + SALIGN - 1) / SALIGN * SALIGN)) ] && ok || ko "SizeOfImage $IMG covers the last section ($END)"
for s in osrel cmdline uname initrd linux; do
	objcopy --dump-section ".$s=$T/dump.$s" "$T/uki.efi" "$T/scratch.efi" 2>/dev/null
done
same "objcopy reads .linux back" "$T/dump.linux" "$T/vmlinuz"
same "objcopy reads .initrd back" "$T/dump.initrd" "$T/initrd.cat"
same "objcopy reads .cmdline back" "$T/dump.cmdline" "$T/cmdline"
same "objcopy reads .osrel back" "$T/dump.osrel" "$T/os-release"
[ "$(cat "$T/dump.uname")" = 6.1.0-signet ] && ok || ko ".uname holds the release"
objcopy --dump-section .sbat="$T/dump.sbat" "$T/uki.efi" "$T/scratch.efi" 2>/dev/null
tr -d '\0' <"$T/dump.sbat" | grep -q '^systemd,1,' && ok || ko ".sbat keeps the stub's entries"
tr -d '\0' <"$T/dump.sbat" | grep -q '^sg,1,S,sg,1,u$' && ok || ko ".sbat has the merged entry"
[ "$(tr -d '\0' <"$T/dump.sbat" | grep -c '^sbat,')" -eq 1 ] && ok || ko ".sbat has one header line"

# inspect: hashes of the contents and PCR 11 as systemd-measure computes it.
check "uki inspect" "$SIGNET" uki inspect "$T/uki.efi"
cp "$T/.out" "$T/inspect"
for pair in linux:vmlinuz initrd:initrd.cat cmdline:cmdline osrel:os-release; do
	s=${pair%%:*} f=${pair#*:}
	want=$(sha256sum <"$T/$f" | cut -d' ' -f1)
	grep -q "^\.$s .* $want" "$T/inspect" && ok || ko "inspect hash of .$s"
done
grep -q "^stub: systemd-stub 252" "$T/inspect" && ok || ko "inspect reads the stub version"
OURS=$(awk '/^pcr11-sha256:/ {print $2}' "$T/inspect")
# systemd 252's stub does not measure .uname and .sbat, nor does its
# systemd-measure know them.
THEIRS=$("$MEASURE" calculate --linux="$T/vmlinuz" --initrd="$T/initrd.cat" --cmdline="$T/cmdline" \
	--osrel="$T/os-release" --bank=sha256 --phase= 2>/dev/null | awk -F= '/^11:sha256=/ {print $2; exit}')
[ -n "$OURS" ] && [ "$OURS" = "$THEIRS" ] && ok || ko "PCR 11: ours $OURS, systemd-measure $THEIRS"

# Signing: sbsign and signet sb sign both produce images sbverify accepts.
"$SIGNET" sb keygen --dir "$T/k" --timestamp 2025-01-02T03:04:05Z >/dev/null 2>&1
check "sbsign signs our UKI" sbsign --key "$T/k/db.key" --cert "$T/k/db.crt" --output "$T/uki.sbsign.efi" "$T/uki.efi"
check "sbverify accepts sbsign's signature" sbverify --cert "$T/k/db.crt" "$T/uki.sbsign.efi"
check "signet sb sign signs our UKI" "$SIGNET" sb sign --key "$T/k/db.key" --cert "$T/k/db.crt" --deterministic -o "$T/uki.signed.efi" "$T/uki.efi"
check "sbverify accepts our signed UKI" sbverify --cert "$T/k/db.crt" "$T/uki.signed.efi"
check "signet sb verify accepts it" "$SIGNET" sb verify --cert "$T/k/db.crt" "$T/uki.signed.efi"
check "build and sign in one pass" build "$T/uki.onepass.efi" --key "$T/k/db.key" --cert "$T/k/db.crt" --deterministic
same "one pass equals build then sb sign" "$T/uki.onepass.efi" "$T/uki.signed.efi"
refuse "one-pass build with a wrong key" build "$T/bad0.efi" --key "$T/k/PK.key" --cert "$T/k/db.crt"
absent "nothing written for a wrong key" "$T/bad0.efi"
check "signet sb verify accepts sbsign's" "$SIGNET" sb verify --cert "$T/k/db.crt" "$T/uki.sbsign.efi"
check "inspect a signed UKI" "$SIGNET" uki inspect "$T/uki.signed.efi"
grep -q "^pcr11-sha256: $OURS" "$T/.out" && ok || ko "signing does not change PCR 11"
cp "$T/uki.signed.efi" "$T/flip.efi"
OFF=$(( 16#$(grep -E ' \.linux ' "$T/sections" | awk '{print $6}') + 123456 ))
printf '\xff\xfe' | dd of="$T/flip.efi" bs=1 seek=$OFF conv=notrunc 2>/dev/null
cmp -s "$T/flip.efi" "$T/uki.signed.efi" && ko "bytes in .linux changed"
check "sbverify rejects a flipped .linux byte" bash -c "! sbverify --cert '$T/k/db.crt' '$T/flip.efi'"
refuse "signet rejects a flipped .linux byte" "$SIGNET" sb verify --cert "$T/k/db.crt" "$T/flip.efi"

# Only what is given: a minimal UKI has just .cmdline and .linux.
check "minimal build" "$SIGNET" uki build --linux "$T/vmlinuz" --cmdline quiet -o "$T/min.efi"
objdump -h "$T/min.efi" | grep -qE ' \.(osrel|uname|initrd) ' && ko "minimal UKI has only what was given" || ok
check "sbverify-able after signing" "$SIGNET" sb sign --key "$T/k/db.key" --cert "$T/k/db.crt" -o "$T/min.signed.efi" "$T/min.efi"
check "sbverify accepts the minimal UKI" sbverify --cert "$T/k/db.crt" "$T/min.signed.efi"

# Bad input: one line, nothing written.
echo "not a stub" >"$T/text"
refuse "stub that is not a PE" "$SIGNET" uki build --stub "$T/text" --linux "$T/vmlinuz" --cmdline x -o "$T/bad1.efi"
absent "nothing written for a bad stub" "$T/bad1.efi"
refuse "signed stub" "$SIGNET" uki build --stub "$T/uki.signed.efi" --linux "$T/vmlinuz" --cmdline x -o "$T/bad2.efi"
absent "nothing written for a signed stub" "$T/bad2.efi"
refuse "stub that already has .linux" "$SIGNET" uki build --stub "$T/uki.efi" --linux "$T/vmlinuz" --cmdline x -o "$T/bad3.efi"
head -c 2000 /dev/urandom | base64 -w0 | sed 's/^/sg,1,/' >"$T/bigsbat"
refuse "SBAT that does not fit" "$SIGNET" uki build --linux "$T/vmlinuz" --cmdline x --sbat "$T/bigsbat" -o "$T/bad4.efi"
absent "nothing written for oversized SBAT" "$T/bad4.efi"
refuse "missing kernel file" "$SIGNET" uki build --linux "$T/nope" --cmdline x -o "$T/bad5.efi"
refuse "empty command line" "$SIGNET" uki build --linux "$T/vmlinuz" --cmdline "" -o "$T/bad6.efi"
refuse "inspect a text file" "$SIGNET" uki inspect "$T/text"
"$SIGNET" uki build --cmdline x -o "$T/bad7.efi" >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "build without --linux is a usage error"
# --- the firmware: OVMF with Secure Boot on ----------------------------
# Debian's OVMF ships a test variable store whose PK, KEK and db hold a
# "snakeoil" certificate, with its key. A UKI built and signed by signet
# from Debian's kernel must boot with Secure Boot enabled; the same UKI
# with one flipped byte must be refused ("Access Denied").
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
SNAKE_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKE_CRT=/usr/share/ovmf/PkKek-1-snakeoil.pem
for f in $OVMF_CODE $OVMF_VARS $SNAKE_KEY $SNAKE_CRT; do
	[ -r "$f" ] || { echo "missing $f (package ovmf)" >&2; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "missing qemu-system-x86_64" >&2; exit 1; }

# Debian's kernel, downloaded once into the build tree.
debian_kernel() {
	"$SRCDIR/scripts/debian-kernel" "$BUILDDIR/cache/kernel"
}

# boot ESP PATTERN SECONDS: boots ESP until PATTERN shows on the serial
# console (success) or SECONDS pass (failure); the log is $T/boot.log.
boot() {
	local esp=$1 pattern=$2 secs=$3 pid i
	cp "$OVMF_VARS" "$T/vars.fd"
	qemu-system-x86_64 -machine q35,smm=on -accel tcg -m 512 -nographic -no-reboot -nic none \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,unit=1,file="$T/vars.fd" \
		-drive format=raw,file=fat:rw:"$esp" -serial file:"$T/boot.log" -monitor none \
		-display none >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < secs * 2; i++)); do
		grep -aq "$pattern" "$T/boot.log" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.5
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	grep -aq "$pattern" "$T/boot.log"
}

VMLINUZ=$(debian_kernel)
if [ -z "$VMLINUZ" ]; then
	ko "Debian kernel for the firmware boot"
else
	openssl rsa -in "$SNAKE_KEY" -passin pass:snakeoil -out "$T/snakeoil.key" 2>/dev/null
	mkdir -p "$T/esp/EFI/BOOT" "$T/initrd.d"
	echo signet >"$T/initrd.d/marker"
	(cd "$T/initrd.d" && find . | cpio -o -H newc 2>/dev/null) >"$T/initrd.cpio"
	check "build and sign a UKI of Debian's kernel" "$SIGNET" uki build --linux "$VMLINUZ" \
		--initrd "$T/initrd.cpio" --cmdline "console=ttyS0 panic=-1 signet.test=1" \
		--key "$T/snakeoil.key" --cert "$SNAKE_CRT" -o "$T/esp/EFI/BOOT/BOOTX64.EFI"
	check "sbverify accepts it" sbverify --cert "$SNAKE_CRT" "$T/esp/EFI/BOOT/BOOTX64.EFI"
	if boot "$T/esp" "Kernel panic" 180; then ok; else ko "UKI boots: $(tail -c 300 "$T/boot.log")"; fi
	grep -aq "secureboot: Secure boot enabled" "$T/boot.log" && ok || ko "kernel reports Secure boot enabled"
	grep -aq "Command line: console=ttyS0 panic=-1 signet.test=1" "$T/boot.log" && ok || ko "kernel got .cmdline"
	grep -aq "Loaded initrd" "$T/boot.log" && ok || ko "stub passed .initrd"
	F="$T/esp/EFI/BOOT/BOOTX64.EFI"
	printf '\x55\xaa' | dd of="$F" bs=1 seek=$(($(stat -c %s "$F") / 2)) conv=notrunc 2>/dev/null
	if boot "$T/esp" "Access Denied" 120; then ok; else ko "firmware refuses a flipped byte: $(tail -c 300 "$T/boot.log")"; fi
	grep -aq "Linux version" "$T/boot.log" && ko "flipped UKI must not start the kernel" || ok
fi

for sub in build inspect; do
	check "uki $sub --help" "$SIGNET" uki $sub --help
	grep -q "^Usage:" "$T/.out" && ok || ko "uki $sub --help starts with Usage:"
done
finish
