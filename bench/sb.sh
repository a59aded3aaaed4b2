#!/bin/bash
# bench/sb.sh [SIGNET] - building and signing a UKI: signet uki build +
# signet sb sign against the classic objcopy + sbsign recipe, on the same
# stub, kernel-sized and initrd-sized inputs. Prints both times and the
# ratio. Needs systemd-boot-efi, binutils and sbsigntool.
set -eu
SIGNET=${1:-${SIGNET:-build/signet}}
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
ROUNDS=${ROUNDS:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

head -c $((12 * 1024 * 1024)) /dev/urandom >"$T/vmlinuz"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$T/initrd"
printf 'root=/dev/vda1 console=ttyS0 quiet' >"$T/cmdline"
printf 'ID=signet\nPRETTY_NAME="signet bench"\n' >"$T/os-release"
"$SIGNET" sb keygen --dir "$T/k" >/dev/null

now() { date +%s.%N; }

# Two steps, like the peer recipe, and the one-pass form.
signet_round() {
	"$SIGNET" uki build --stub "$STUB" --linux "$T/vmlinuz" --initrd "$T/initrd" \
		--cmdline @"$T/cmdline" --os-release "$T/os-release" -o "$T/s.efi"
	"$SIGNET" sb sign --key "$T/k/db.key" --cert "$T/k/db.crt" -o "$T/s.signed.efi" "$T/s.efi"
}

signet_onepass() {
	"$SIGNET" uki build --stub "$STUB" --linux "$T/vmlinuz" --initrd "$T/initrd" \
		--cmdline @"$T/cmdline" --os-release "$T/os-release" \
		--key "$T/k/db.key" --cert "$T/k/db.crt" -o "$T/s1.efi"
}

# The recipe from the systemd-stub man page and the Arch wiki; the VMAs
# leave room after the stub's image (SizeOfImage 0x19300).
objcopy_round() {
	objcopy \
		--add-section .osrel="$T/os-release" --change-section-vma .osrel=0x20000 \
		--add-section .cmdline="$T/cmdline" --change-section-vma .cmdline=0x30000 \
		--add-section .linux="$T/vmlinuz" --change-section-vma .linux=0x2000000 \
		--add-section .initrd="$T/initrd" --change-section-vma .initrd=0x3000000 \
		"$STUB" "$T/o.efi"
	sbsign --key "$T/k/db.key" --cert "$T/k/db.crt" --output "$T/o.signed.efi" "$T/o.efi" 2>/dev/null
}

time_rounds() {
	local f=$1 t0 t1
	$f >/dev/null 2>&1 # warm the page cache
	t0=$(now)
	for _ in $(seq "$ROUNDS"); do $f >/dev/null 2>&1; done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" -v n="$ROUNDS" 'BEGIN { printf "%.6f", (b - a) / n }'
}

S=$(time_rounds signet_round)
S1=$(time_rounds signet_onepass)
O=$(time_rounds objcopy_round)
sbverify --cert "$T/k/db.crt" "$T/s.signed.efi" >/dev/null 2>&1 || { echo "bench: sbverify rejects signet's UKI" >&2; exit 1; }
sbverify --cert "$T/k/db.crt" "$T/s1.efi" >/dev/null 2>&1 || { echo "bench: sbverify rejects signet's one-pass UKI" >&2; exit 1; }
sbverify --cert "$T/k/db.crt" "$T/o.signed.efi" >/dev/null 2>&1 || { echo "bench: sbverify rejects objcopy+sbsign's UKI" >&2; exit 1; }
MB=$(( ($(stat -c %s "$T/s.efi") + 524288) / 1048576 ))
printf 'uki build + sign (%d MiB UKI, mean of %d):\n' "$MB" "$ROUNDS"
printf '  signet uki build + signet sb sign  %8.3f s\n' "$S"
printf '  signet uki build --key --cert      %8.3f s\n' "$S1"
printf '  objcopy + sbsign                   %8.3f s\n' "$O"
printf '  ratio (objcopy+sbsign / signet, two steps)  %6.2fx\n' "$(awk -v o="$O" -v s="$S" 'BEGIN { print o / s }')"
printf '  ratio (objcopy+sbsign / signet, one pass)   %6.2fx\n' "$(awk -v o="$O" -v s="$S1" 'BEGIN { print o / s }')"
echo "  (signet writes every output with fsync; objcopy and sbsign do not)"
