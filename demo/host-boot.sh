#!/bin/bash
# demo/host-boot.sh SIGNET - the last part of the demo, run in the demo's
# directory after the Secure Boot keys (sb/) and the enrolled variable
# store (OVMF_VARS.fd) exist: the full verified boot of a host from its
# version-controlled document (example/host.yaml). The control plane
# builds the sidecar, the host's LUKS2 disk and its signed UKI; the host
# boots once with the passphrase typed on its console (enrolment: it
# prints PCR 7), the disk key is sealed in its (software) TPM to that
# PCR 7, and the next boot is hands-off: UKI -> signet-init -> verified
# sidecar -> disk unlocked by the TPM -> the rootfs.
set -euo pipefail
SIGNET=$1
here=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$here/.." && pwd)
BUILDDIR=$(dirname "$SIGNET")
SIGNET_INIT=$BUILDDIR/src/init/signet-init
T=$PWD/host
rm -rf "$T" && mkdir -p "$T"
. "$SRCDIR/scripts/bootkit.sh"
QEMU_PID=""
trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; swtpm_stop' EXIT
step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
# show NAME: the boot's signet-init lines and the rootfs's.
show() { tr -d '\r' <"$T/$1.log" | grep -aE 'Secure boot enabled|signet-init:|SIGNET-ROOTFS' | sed 's/^/    /'; }

step "The host's document, from version control"
cat "$here/example/host.yaml"

step "The control plane builds the sidecar image (busybox, sshd) with its verity tree"
cc -static -Os -o "$T/rootfs-init" "$SRCDIR/tests/boot/rootfs-init.c"
"$SRCDIR/scripts/sidecar-tree" "$SIGNET" "$T/sidecar" "$T/rootfs-init"
echo sidecar-2026.12 >"$T/sidecar/etc/sidecar-id"
run "$SIGNET" image build --from "$T/sidecar" -o "$T/sidecar.sqfs" --verity "$T/sidecar.verity" \
	--root-hash-file "$T/sidecar.roothash"

step "... and the host's LUKS2 disk holding its rootfs, with a passphrase and a TPM key slot"
mkdir -p "$T/disk/initos/debian/sbin" "$T/disk/initos/debian/etc"
cp "$T/rootfs-init" "$T/disk/initos/debian/sbin/init"
echo rootfs-debian >"$T/disk/initos/debian/etc/sidecar-id"
printf 'pumping station seven\n' >"$T/passphrase"
run "$SIGNET" disk build --from "$T/disk" -o "$T/disk.img" --size 64 --passphrase-file "$T/passphrase" \
	--new-key-file "$T/disk.key" --pbkdf-memory 32768 --pbkdf-iterations 4

step "... and the host's signed UKI: kernel, signet-init, its modules, the document, trusted root hash, recovery keys"
VMLINUZ=$(debian_kernel)
kernel_modules virtio_pci virtio_blk loop dm_verity dm_crypt ecb xts algif_skcipher squashfs \
	overlay vfat nls_cp437 nls_ascii efivarfs ext4 crc32c_generic
MODS=()
for f in "${ORDER[@]}"; do MODS+=(--module "$f"); done
ssh-keygen -q -t ed25519 -N '' -C operator -f "$T/operator"
ssh-keygen -q -t ed25519 -N '' -C pump7-scada1 -f "$T/ssh_host_key"
run "$SIGNET" host provision --config "$here/example/host.yaml" --kernel "$VMLINUZ" --init "$SIGNET_INIT" \
	"${MODS[@]}" --root-hash "$(cat "$T/sidecar.roothash")" --authorized-keys "$T/operator.pub" \
	--ssh-host-key "$T/ssh_host_key" --cmdline "console=ttyS0 panic=-1 signet.reboot_delay=5" \
	--key sb/db.key --cert sb/db.crt -o "$T/uki.efi"
run sbverify --cert sb/db.crt "$T/uki.efi"
mkdir -p "$T/slot"
cp "$T/sidecar.sqfs" "$T/slot/sidecar.sqfs"
cp "$T/sidecar.verity" "$T/slot/sidecar.verity"
cp "$T/sidecar.roothash" "$T/slot/sidecar.roothash"
run "$SIGNET" esp build -o "$T/esp.img" --size 64 --boot "$T/uki.efi" --slot "A:$T/slot" --slot "B:$T/slot"

# boot NAME: OVMF (Secure Boot on, our keys), the ESP, the disk, swtpm.
boot() {
	cp OVMF_VARS.fd "$T/vars-$1.fd"
	rm -f "$T/swtpm.sock"
	swtpm_guest "$T/tpm" "$T/swtpm.sock"
	console_open "$1"
	# shellcheck disable=SC2046
	timeout 600 qemu-system-x86_64 -machine q35,smm=on -accel tcg -m 1024 -no-reboot \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd \
		-drive if=pflash,format=raw,unit=1,file="$T/vars-$1.fd" \
		-drive file="$T/esp.img",format=raw,if=virtio,readonly=on \
		-drive file="$T/disk.img",format=raw,if=virtio \
		$(swtpm_qemu_args "$T/swtpm.sock") -nic none \
		-serial pipe:"$T/$1" -monitor none -display none >"$T/$1.qemu" 2>&1 &
	QEMU_PID=$!
}
finish_boot() {
	wait "$QEMU_PID" || true
	QEMU_PID=""
	tr -d '\r' <"$T/$1.log" | grep -aq 'SIGNET-ROOTFS-OK' ||
		{ echo "demo: the host did not reach its rootfs (see $T/$1.log)" >&2; exit 1; }
}

step "First boot (enrolment): nothing is sealed in the TPM yet; the operator types the passphrase on the console"
boot enrol
console_wait enrol 'passphrase for /dev/vdb:' 400
echo "    (typing the passphrase on the serial console)"
console_type enrol "$(head -1 "$T/passphrase")\n"
console_wait enrol 'SIGNET-ROOTFS-OK' 300
finish_boot enrol
show enrol
PCR7=$(tr -d '\r' <"$T/enrol.log" | sed -n 's/.*signet-init: PCR 7 is now \([0-9a-f]\{64\}\).*/\1/p' | head -1)
[ -n "$PCR7" ] || { echo "demo: signet-init printed no PCR 7" >&2; exit 1; }

step "Seal the disk key in the host's TPM to the PCR 7 it measured (Secure Boot on, our db)"
swtpm_host "$T/tpm"
run "$SIGNET" tpm seal -T "$TCTI" --pcr 7 --pcr-value "7:$PCR7" --handle 0x81000010 --in "$T/disk.key"
swtpm_stop

step "Second boot: hands-off, the disk unlocked by the TPM"
boot tpm
console_wait tpm 'SIGNET-ROOTFS-OK' 400
finish_boot tpm
show tpm
tr -d '\r' <"$T/tpm.log" | grep -aq 'signet-init: disk /dev/vdb unlocked by the TPM' ||
	{ echo "demo: the TPM did not unlock the disk (see $T/tpm.log)" >&2; exit 1; }
echo "verified boot: signed UKI -> signet-init -> sidecar (dm-verity) -> LUKS2 by the TPM -> rootfs"
