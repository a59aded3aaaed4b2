#!/bin/bash
# Secure Boot under qemu: Debian's kernel and a signet initrd in a UKI
# signed with our db key, booted by OVMF's Secure Boot build from a
# variable store written by `signet sb enroll`. The firmware must run it
# with Secure Boot on (the kernel says so) and the init's marker must
# appear; the same UKI with one flipped byte, or signed by another key
# set, must be refused by the firmware; and without enrollment the same
# UKI boots with Secure Boot off (so the enrollment is what turns it on).
#
# Every boot is bounded by `timeout` and runs one at a time. The kernel
# packages are downloaded once (apt-get download) into $BUILDDIR/cache.
. "$(dirname "$0")/lib.sh"

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
MARKER="SIGNET-BOOT-MARKER: init reached"
CMDLINE="console=ttyS0 panic=-1 loglevel=7"
# signet's enrollment command (a top-level entry until the sb group lands).
ENROLL=("$SIGNET" sb enroll)
GOOD_BOOT_SECONDS=120
REFUSED_BOOT_SECONDS=90

for tool in qemu-system-x86_64 objcopy objdump sbsign sbverify cert-to-efi-sig-list sign-efi-sig-list openssl \
	mformat mmd mcopy apt-get dpkg-deb cc timeout; do
	command -v "$tool" >/dev/null || { echo "$tool not found (see scripts/deps check)" >&2; exit 1; }
done
for f in "$OVMF_CODE" "$OVMF_VARS" "$STUB"; do
	[ -f "$f" ] || { echo "$f not found (packages ovmf, systemd-boot-efi)" >&2; exit 1; }
done

# Debian's kernel, once: linux-image-amd64 and the versioned package it
# depends on, unpacked for /boot/vmlinuz-*. Debian signed it with its own
# key, which our db does not hold: only the UKI's signature can count.
VMLINUZ=$("$SRCDIR/scripts/debian-kernel" "$BUILDDIR/cache/kernel") ||
	{ echo "cannot download Debian's kernel (apt-get download linux-image-amd64)" >&2; exit 1; }

# make_keys DIR NAME: PK, KEK and db key pairs, certificates and
# EFI_SIGNATURE_LISTs in efitools' layout.
make_keys() {
	"$SIGNET" sb keygen --dir "$1" --cn "$2" >/dev/null
}

# build_uki OUT LINUX INITRD CMDLINE: signet's UKI on the systemd stub.
build_uki() {
	"$SIGNET" uki build --stub "$STUB" --linux "$2" --initrd "$3" --cmdline "$4" \
		--os-release /etc/os-release -o "$1"
}

# sign_pe KEYDIR IN OUT: signet's Authenticode signature with the db key.
sign_pe() {
	"$SIGNET" sb sign --key "$1/db.key" --cert "$1/db.crt" -o "$3" "$2"
}

# make_esp EFI IMG: a FAT image holding EFI as the removable-media loader.
make_esp() {
	rm -f "$2"
	truncate -s 64M "$2" && mformat -i "$2" :: && mmd -i "$2" ::/EFI ::/EFI/BOOT &&
		mcopy -i "$2" "$1" ::/EFI/BOOT/BOOTX64.EFI
}

# boot VARS ESP LOG SECONDS [STOP]: runs OVMF's Secure Boot build on a
# copy of VARS with ESP as its only disk, serial console to LOG, for at
# most SECONDS; stops early once STOP (an ERE) is in the log.
boot() {
	local vars=$1 esp=$2 log=$3 secs=$4 stop=${5:-} pid i
	cp "$vars" "$T/vars-run.fd"
	: >"$log"
	timeout "$secs" qemu-system-x86_64 -accel tcg -machine q35,smm=on -m 1024 \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,file="$OVMF_CODE",readonly=on \
		-drive if=pflash,format=raw,unit=1,file="$T/vars-run.fd" \
		-drive file="$esp",format=raw,if=virtio \
		-nic none -display none -monitor none -serial file:"$log" -no-reboot \
		>/dev/null 2>"$log.qemu" &
	pid=$!
	for ((i = 0; i < secs; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		if [ -n "$stop" ] && tr -d '\r' <"$log" | grep -Eq "$stop"; then
			kill "$pid" 2>/dev/null
			break
		fi
		sleep 1
	done
	wait "$pid" 2>/dev/null
	echo "boot $(basename "$log" .log): ${i}s" >&2
}

has() { tr -d '\r' <"$2" | grep -q -- "$1"; }

# --- inputs: keys, enrolled store, initrd, UKIs ---------------------------
check "make key set A" make_keys "$T/A" "signet test A"
check "make key set B" make_keys "$T/B" "signet test B"
check "enroll A" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/A" -o "$T/vars-A.fd"
cmp -s "$OVMF_VARS" "$T/vars-A.fd" && ko "enrolled store equals the template" || ok
[ "$(stat -c %s "$T/vars-A.fd")" = "$(stat -c %s "$OVMF_VARS")" ] && ok || ko "store size changed"

# Reproducible for a given time stamp, and efitools' signed updates
# (.auth, sign-efi-sig-list) give the same store as the bare lists.
check "enroll at a fixed time" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/A" \
	--timestamp 1700000000 -o "$T/vars-t1.fd"
check "enroll again" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/A" \
	--timestamp 1700000000 -o "$T/vars-t2.fd"
same "two enrollments are byte-identical" "$T/vars-t1.fd" "$T/vars-t2.fd"
mkdir -p "$T/A-auth"
for k in PK KEK db; do
	case $k in PK | KEK) signer=PK ;; db) signer=KEK ;; esac
	check "sign-efi-sig-list $k" sign-efi-sig-list -t "2023-11-14 22:13:20" \
		-k "$T/A/$signer.key" -c "$T/A/$signer.crt" "$k" "$T/A/$k.esl" "$T/A-auth/$k.auth"
done
check "enroll from .auth" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/A-auth" -o "$T/vars-auth.fd"
same ".auth and .esl give the same store" "$T/vars-t1.fd" "$T/vars-auth.fd"
head -c 30 "$T/A-auth/KEK.auth" >"$T/short.auth"
refuse "truncated .auth" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/A-auth" \
	--kek "$T/short.auth" -o "$T/refused.fd"

# Refusals: one line, nothing written.
out=$T/refused.fd
refuse "code volume as template" "${ENROLL[@]}" --template "$OVMF_CODE" --dir "$T/A" -o "$out"
absent "no store after a refused template" "$out"
head -c 1000 /dev/urandom >"$T/junk.fd"
refuse "random template" "${ENROLL[@]}" --template "$T/junk.fd" --dir "$T/A" -o "$out"
mkdir -p "$T/bad" && cp "$T/A"/*.esl "$T/bad/"
head -c 100 "$T/A/db.esl" >"$T/bad/db.esl"
refuse "truncated db.esl" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/bad" -o "$out"
cat "$T/A/PK.esl" "$T/B/PK.esl" >"$T/bad/PK.esl" && cp "$T/A/db.esl" "$T/bad/db.esl"
refuse "PK with two certificates" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/bad" -o "$out"
refuse "missing keys" "${ENROLL[@]}" --template "$OVMF_VARS" --dir "$T/nope" -o "$out"
absent "no store after refused keys" "$out"

cc -static -Os -o "$T/init" "$SRCDIR/tests/boot/marker-init.c" && ok || ko "build marker-init"
check "initrd" "$SIGNET" initrd build --add "$T/init:init" --mknod dev/console:c:5:1 -o "$T/initrd"
check "build UKI" build_uki "$T/uki.efi" "$VMLINUZ" "$T/initrd" "$CMDLINE"
check "sign UKI with A" sign_pe "$T/A" "$T/uki.efi" "$T/uki-A.efi"
check "sign UKI with B" sign_pe "$T/B" "$T/uki.efi" "$T/uki-B.efi"
check "sbverify A" sbverify --cert "$T/A/db.crt" "$T/uki-A.efi"
refuse_quiet() { if "$@" >/dev/null 2>&1; then ko "$*: accepted"; else ok; fi; }
refuse_quiet sbverify --cert "$T/A/db.crt" "$T/uki-B.efi"
# One flipped byte in the middle of the kernel section.
cp "$T/uki-A.efi" "$T/uki-flip.efi"
flip_at=$(( $(stat -c %s "$T/uki-A.efi") / 2 ))
orig=$(od -An -tu1 -j "$flip_at" -N1 "$T/uki-A.efi" | tr -d ' ')
printf "$(printf '\\%03o' $((orig ^ 1)))" |
	dd of="$T/uki-flip.efi" bs=1 seek="$flip_at" conv=notrunc status=none
cmp -s "$T/uki-A.efi" "$T/uki-flip.efi" && ko "byte not flipped" || ok
refuse_quiet sbverify --cert "$T/A/db.crt" "$T/uki-flip.efi"

for u in A B flip; do
	check "ESP $u" make_esp "$T/uki-$u.efi" "$T/esp-$u.img"
done

# --- the boots, one at a time ----------------------------------------------
STOP="$MARKER|Access Denied|Security Violation|Kernel panic"
# A good boot ends by itself (the init powers off); a denied one ends at
# the boot manager's prompt, so do not wait out the bound for it.
GOOD_STOP="No bootable option|Kernel panic"
boot "$T/vars-A.fd" "$T/esp-A.img" "$T/good.log" "$GOOD_BOOT_SECONDS" "$GOOD_STOP"
has "Secure boot enabled" "$T/good.log" && ok || ko "enrolled boot: no 'Secure boot enabled' in the kernel log"
has "$MARKER" "$T/good.log" && ok || ko "enrolled boot: no marker"

boot "$T/vars-A.fd" "$T/esp-flip.img" "$T/flip.log" "$REFUSED_BOOT_SECONDS" "$STOP"
has "Access Denied" "$T/flip.log" && ok || ko "flipped byte: firmware did not deny it"
has "$MARKER" "$T/flip.log" && ko "flipped byte: the kernel ran" || ok
has "EFI stub" "$T/flip.log" && ko "flipped byte: the stub ran" || ok

boot "$T/vars-A.fd" "$T/esp-B.img" "$T/other.log" "$REFUSED_BOOT_SECONDS" "$STOP"
has "Access Denied" "$T/other.log" && ok || ko "other key set: firmware did not deny it"
has "$MARKER" "$T/other.log" && ko "other key set: the kernel ran" || ok
has "EFI stub" "$T/other.log" && ko "other key set: the stub ran" || ok

# Over a template that already holds keys (Debian's Microsoft one) ours
# supersede them: the firmware must read the newest, live copies.
OVMF_VARS_MS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
if [ -f "$OVMF_VARS_MS" ]; then
	check "enroll A over the Microsoft keys" "${ENROLL[@]}" --template "$OVMF_VARS_MS" \
		--dir "$T/A" -o "$T/vars-ms-A.fd"
	boot "$T/vars-ms-A.fd" "$T/esp-A.img" "$T/ms.log" "$GOOD_BOOT_SECONDS" "$GOOD_STOP"
	has "Secure boot enabled" "$T/ms.log" && ok || ko "re-enrolled boot: no 'Secure boot enabled'"
	has "$MARKER" "$T/ms.log" && ok || ko "re-enrolled boot: no marker"
fi

boot "$OVMF_VARS" "$T/esp-A.img" "$T/plain.log" "$GOOD_BOOT_SECONDS" "$GOOD_STOP"
has "$MARKER" "$T/plain.log" && ok || ko "unenrolled boot: no marker"
has "Secure boot enabled" "$T/plain.log" && ko "unenrolled boot: Secure Boot is on" || ok
has "Secure boot disabled" "$T/plain.log" && ok || ko "unenrolled boot: no 'Secure boot disabled'"

if [ "$FAILED" -ne 0 ]; then
	for l in good flip other ms plain; do
		[ -f "$T/$l.log" ] && { echo "--- $l.log (tail)" >&2; tr -d '\r' <"$T/$l.log" | tail -15 >&2; }
	done
fi
finish
