#!/bin/busybox sh
# shellcheck shell=dash
# bench/init-busybox.sh - the /init that bench/init.sh times beside
# signet-init: the steps signet-init takes for a host with a persistent
# disk, in the same order, as a busybox shell script calling veritysetup,
# tpm2_unseal and cryptsetup. It does the happy path only: slot A and the
# TPM, with no fallback to slot B, no passphrase and no recovery. A step
# that fails ends the boot (PID 1 exits, the kernel panics). Like
# signet-init it runs only as PID 1 (bench/run.sh runs bench/*.sh but
# this one).
[ $$ = 1 ] || { echo "Usage: init-busybox.sh (only as PID 1 in bench/init.sh's initrd)" >&2; exit 2; }
export DM_DISABLE_UDEV=1 # no udev: libdevmapper makes the /dev/mapper nodes
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
die() { echo "init-busybox: $*"; exit 1; }
# wait_dev NODE: waits for a block device, up to 30 s (signet.wait).
wait_dev() {
	i=0
	while [ ! -b "$1" ]; do
		[ $i -lt 300 ] || die "$1 did not appear in 30 s"
		sleep 0.1
		i=$((i + 1))
	done
}

# 1. The API filesystems.
mkdir -p /proc /sys /dev /run
mount -t proc -o nosuid,nodev,noexec proc /proc || die "mount /proc"
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || die "mount /sys"
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev || die "mount /dev"
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run || die "mount /run"
mkdir -m 0700 /run/signet

# 2. The kernel modules, in the listed order; one that fails is skipped.
while read -r ko; do
	case $ko in '' | '#'*) continue ;; esac
	insmod "$ko" 2>/dev/null || echo "init-busybox: warning: module $ko not loaded"
done </etc/signet/modules

# 3. The ESP, read-only.
wait_dev /dev/vda
mkdir -m 0700 /run/signet/esp
mount -t vfat -o ro,nosuid,nodev,noexec,shortname=mixed /dev/vda /run/signet/esp || die "mount the ESP"
[ -d /run/signet/esp/EFI/signet ] || die "/dev/vda holds no EFI/signet"

# 4. Slot A's root hash, trusted only when the initrd lists it.
s=/run/signet/esp/EFI/signet/A
root=$(cat $s/sidecar.roothash) || die "$s/sidecar.roothash"
[ -n "$root" ] || die "$s/sidecar.roothash is empty"
grep -qxF "$root" /etc/signet/sidecar.roothash || die "slot A: root hash not trusted"

# 5. The sidecar behind dm-verity, read whole (signet.check=full).
/usr/sbin/veritysetup open $s/sidecar.sqfs signet-sidecar-A $s/sidecar.verity "$root" ||
	die "veritysetup open"
dd if=/dev/mapper/signet-sidecar-A of=/dev/null bs=64k 2>/run/signet/dd.err ||
	die "slot A does not match its root hash: $(cat /run/signet/dd.err)"

# 6. Squashfs read-only under a tmpfs overlay, on /run/signet/sidecar.
mkdir -m 0700 /run/signet/lower-A /run/signet/rw-A
mkdir -p /run/signet/sidecar
mount -t squashfs -o ro,nodev /dev/mapper/signet-sidecar-A /run/signet/lower-A || die "mount squashfs"
mount -t tmpfs -o nodev,mode=0755 tmpfs /run/signet/rw-A || die "mount tmpfs"
mkdir /run/signet/rw-A/upper /run/signet/rw-A/work
mount -t overlay -o nodev,lowerdir=/run/signet/lower-A,upperdir=/run/signet/rw-A/upper,workdir=/run/signet/rw-A/work \
	overlay /run/signet/sidecar || die "mount overlay"
printf A >/run/signet/slot

# 7. The LUKS2 disk, opened with the key the TPM unseals under PCR 7.
wait_dev /dev/vdb
mkdir -m 0700 /run/cryptsetup
umask 077
/usr/bin/tpm2_unseal -c 0x81000010 -p pcr:sha256:7 -o /run/signet/key || die "TPM unlock refused"
umask 022
/usr/sbin/cryptsetup open --type luks2 --key-file /run/signet/key /dev/vdb signet-disk ||
	die "cryptsetup open /dev/vdb"
rm -f /run/signet/key
mkdir -m 0700 /run/signet/disk
mount -t ext4 -o nosuid,nodev /dev/mapper/signet-disk /run/signet/disk || die "mount the disk"
[ -x /run/signet/disk/initos/debian/sbin/init ] || die "rootfs debian: no /sbin/init"

# 8. The rootfs on /newroot, the API filesystems moved into it, switch_root.
mkdir -p /newroot
mount --bind /run/signet/disk/initos/debian /newroot || die "bind the rootfs"
for d in dev proc sys run; do
	mkdir -p /newroot/$d
	mount --move /$d /newroot/$d || die "move /$d"
done
export SIGNET_SLOT=A
exec switch_root /newroot /sbin/init
