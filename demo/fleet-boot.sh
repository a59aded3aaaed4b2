#!/bin/bash
# demo/fleet-boot.sh SIGNET SIGNED HOST - run by demo/fleet.sh in the
# demo's directory: HOST boots from the fleet's signed release. The
# builders made its UKI (unsigned, without any private key) and the
# shared sidecar image with its verity tree; the control plane signed
# the UKI with the db key (adding the host's SSH host key), made the
# host's A/B ESP from it and predicted the PCR 7 and 11 the host will
# measure. Here the control plane makes what is not in the release yet:
# the host's LUKS2 disk (its key is a secret) and the Secure Boot
# variable store with the fleet's keys; the disk key is sealed in the
# host's (software) TPM to the PREDICTED PCR 7 before the host ever
# booted, and the first boot is hands-off.
set -euo pipefail
SIGNET=$1 S=$2 H=$3
here=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$here/.." && pwd)
BUILDDIR=$(dirname "$SIGNET")
T=$PWD/boot-$H
rm -rf "$T" && mkdir -p "$T"
. "$SRCDIR/scripts/bootkit.sh"
QEMU_PID=""
trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; swtpm_stop' EXIT
step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
show() { tr -d '\r' <"$T/$1.log" | grep -aE 'Secure boot enabled|signet-init:|SIGNET-ROOTFS' | sed 's/^/    /'; }

step "$H's artifacts in the signed release"
ls -l "$S/hosts/$H/boot/" "$S"/shared/sidecar/* | awk 'NF > 5 {print "    " $5 "\t" $9}'
run sbverify --cert fleet.keys/sb/db.crt "$S/hosts/$H/boot/uki.efi"
run veritysetup verify "$S/shared/sidecar/sidecar.sqfs" "$S/shared/sidecar/sidecar.verity" \
	"$(cat "$S/shared/sidecar/sidecar.roothash")"
run "$SIGNET" verity verify-sig --cert fleet/state/verity/signer.pem \
	--root-hash-file "$S/shared/sidecar/sidecar.roothash" "$S/shared/sidecar/sidecar.roothash.p7s"
echo "    the PCRs $H will measure (predicted at signing):"
sed 's/^/      /' "$S/hosts/$H/boot/pcrs"
PCR7=$(sed -n 's/^7://p' "$S/hosts/$H/boot/pcrs")

step "The control plane makes $H's LUKS2 disk: the rootfs the lock pins, a passphrase and a TPM key slot"
mkdir -p "$T/disk/initos/marker"
tar -x -C "$T/disk/initos/marker" -f inputs/rootfs/marker
printf 'pumping station seven\n' >"$T/passphrase"
run "$SIGNET" disk build --from "$T/disk" -o "$T/disk.img" --size 64 --passphrase-file "$T/passphrase" \
	--new-key-file "$T/disk.key" --pbkdf-memory 32768 --pbkdf-iterations 4

step "Secure Boot keys of the fleet enrolled offline into a copy of OVMF's variable store"
run "$SIGNET" sb enroll --template /usr/share/OVMF/OVMF_VARS_4M.fd --dir fleet.keys/sb -o "$T/OVMF_VARS.fd"

# boot NAME: OVMF (Secure Boot on, the fleet's keys), the ESP, the disk, swtpm.
boot() {
	cp "$T/OVMF_VARS.fd" "$T/vars-$1.fd"
	rm -f "$T/swtpm.sock"
	swtpm_guest "$T/tpm" "$T/swtpm.sock"
	console_open "$1"
	# shellcheck disable=SC2046
	timeout 600 qemu-system-x86_64 -machine q35,smm=on -accel tcg -m 1024 -no-reboot \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd \
		-drive if=pflash,format=raw,unit=1,file="$T/vars-$1.fd" \
		-drive file="$S/hosts/$H/boot/esp.img",format=raw,if=virtio,readonly=on \
		-drive file="$T/disk.img",format=raw,if=virtio \
		$(swtpm_qemu_args "$T/swtpm.sock") -nic none \
		-serial pipe:"$T/$1" -monitor none -display none >"$T/$1.qemu" 2>&1 &
	QEMU_PID=$!
}
finish_boot() {
	wait "$QEMU_PID" || true
	QEMU_PID=""
	tr -d '\r' <"$T/$1.log" | grep -aq 'SIGNET-ROOTFS-OK' ||
		{ echo "demo: $H did not reach its rootfs (see $T/$1.log)" >&2; exit 1; }
}

step "Seal the disk key in $H's TPM to the predicted PCR 7, before its first boot"
swtpm_host "$T/tpm"
run "$SIGNET" tpm seal -T "$TCTI" --pcr 7 --pcr-value "7:$PCR7" --handle 0x81000010 --in "$T/disk.key"
swtpm_stop

step "First boot: hands-off, the disk unlocked by the TPM"
boot tpm
console_wait tpm 'SIGNET-ROOTFS-OK' 400
finish_boot tpm
show tpm
tr -d '\r' <"$T/tpm.log" | grep -aq 'signet-init: disk /dev/vdb unlocked by the TPM' ||
	{ echo "demo: the TPM did not unlock the disk: the prediction is not what the firmware measured (see $T/tpm.log)" >&2; exit 1; }
echo "    $H: signed UKI (the fleet's db) -> signet-init -> sidecar (dm-verity) -> LUKS2 by the TPM -> rootfs"
