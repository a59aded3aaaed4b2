#!/bin/bash
# bench/init.sh [SIGNET] - the boot from the kernel handing over to the
# initrd's /init until the rootfs's init runs, measured in the guest:
# signet-init (the initrd of signet host provision) beside a busybox
# shell script doing the same steps (bench/init-busybox.sh: modules, ESP,
# trusted root hash, veritysetup and a full read, overlay, tpm2_unseal,
# cryptsetup, switch_root), on the same Debian kernel, sidecar, ESP,
# LUKS2 disk and swtpm state. qemu -accel tcg -cpu max boots the kernel
# directly (no firmware to measure); a boot's figure is the kernel's printk
# time of "Run /init as init process" to the CLOCK_MONOTONIC uptime the
# rootfs init (tests/boot/rootfs-init.c) prints. BENCH_INIT_RUNS boots of
# each (default 3), alternating; per-run figures, the medians and the
# ratio busybox/signet-init. BENCH_INIT_LOGS=DIR keeps the consoles.
set -eu
SIGNET=${1:-${SIGNET:-build/signet}}
RUNS=${BENCH_INIT_RUNS:-3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=$(dirname "$SIGNET")
SIGNET_INIT=$BUILDDIR/src/init/signet-init
for tool in qemu-system-x86_64 swtpm mksquashfs mformat mcopy mkfs.ext4 objcopy cc cpio \
	ssh-keygen busybox; do
	command -v $tool >/dev/null || { echo "bench/init.sh: $tool missing (scripts/deps bench)" >&2; exit 1; }
done
BUSYBOX_ELFS=(/bin/busybox /usr/sbin/veritysetup /usr/sbin/cryptsetup /usr/bin/tpm2_unseal
	/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 /lib/x86_64-linux-gnu/libgcc_s.so.1)
for f in "$SIGNET_INIT" /usr/sbin/sshd /usr/lib/systemd/boot/efi/linuxx64.efi.stub "${BUSYBOX_ELFS[@]}"; do
	[ -e "$f" ] || { echo "bench/init.sh: $f missing (scripts/deps bench; make)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-init.XXXXXX")
# The boot suites' kernel, modules, console and swtpm helpers.
. "$SRCDIR/scripts/bootkit.sh"
QEMU_PID="" GUEST_TPM=""
trap 'set +e; [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; [ -n "$GUEST_TPM" ] && kill "$GUEST_TPM" 2>/dev/null
	swtpm_stop; rm -rf "$T"' EXIT
fail() { echo "bench/init.sh: $*" >&2; exit 1; }
quiet() { "$@" >"$T/out" 2>&1 || fail "$* failed: $(tail -5 "$T/out")"; }

# --- the inputs both inits boot with, built once ---------------------
VMLINUZ=$(debian_kernel) || fail "no Debian kernel"
kernel_modules virtio_pci virtio_blk virtio_net loop dm_verity dm_crypt ecb xts algif_skcipher \
	squashfs overlay vfat nls_cp437 nls_ascii efivarfs ext4 crc32c_generic || fail "kernel modules"
quiet cc -static -O2 -o "$T/marker" "$SRCDIR/tests/boot/rootfs-init.c"
quiet "$SRCDIR/scripts/sidecar-tree" "$SIGNET" "$T/side" "$T/marker"
echo sidecar-A >"$T/side/etc/sidecar-id"
mkdir -p "$T/slot"
quiet "$SIGNET" image build --from "$T/side" -o "$T/slot/sidecar.sqfs" \
	--verity "$T/slot/sidecar.verity" --root-hash-file "$T/slot/sidecar.roothash"
ROOT=$(cat "$T/slot/sidecar.roothash")
quiet "$SIGNET" esp build -o "$T/esp.img" --size 64 --slot "A:$T/slot"
mkdir -p "$T/disk.d/initos/debian/sbin" "$T/disk.d/initos/debian/etc"
cp "$T/marker" "$T/disk.d/initos/debian/sbin/init"
echo rootfs-debian >"$T/disk.d/initos/debian/etc/sidecar-id"
printf 'correct horse battery staple\n' >"$T/pass"
quiet "$SIGNET" disk build --from "$T/disk.d" -o "$T/disk.img" --size 64 --passphrase-file "$T/pass" \
	--new-key-file "$T/tpm.key" --pbkdf-memory 32768 --pbkdf-iterations 4

# --- the signet-init initrd, as signet host provision makes it -------
HANDLE=0x81000010
cat >"$T/host.yaml" <<EOF
version: "0.1"
host: bench1
disk: {device: /dev/vdb, fs: ext4, tpm: {handle: "$HANDLE", pcrs: [7]}}
rootfs: debian
console: {prompt_seconds: 0, passphrase_seconds: 120}
recovery: {interface: eth0, address: 10.0.2.15/24, gateway: 10.0.2.2, ssh_port: 22}
EOF
quiet "$SIGNET" sb keygen --dir "$T/sb" --cn "signet init bench"
ssh-keygen -q -t ed25519 -N '' -C operator -f "$T/operator"
ssh-keygen -q -t ed25519 -N '' -C host -f "$T/hostkey"
MODS=()
for f in "${ORDER[@]}"; do MODS+=(--module "$f"); done
quiet "$SIGNET" host provision --config "$T/host.yaml" --kernel "$VMLINUZ" --init "$SIGNET_INIT" \
	"${MODS[@]}" --root-hash "$ROOT" --authorized-keys "$T/operator.pub" --ssh-host-key "$T/hostkey" \
	--key "$T/sb/db.key" --cert "$T/sb/db.crt" --initrd-out "$T/signet-init.img" -o "$T/uki.efi"

# --- the busybox initrd: the script, the same modules and root hash --
# The applets the script runs are links to busybox, as in Debian's
# initramfs: before /proc is mounted, busybox cannot re-execute itself.
initrd_modules "$T/bb.d"
mkdir -p "$T/bb.d/bin"
for a in sh mount mkdir insmod sleep cat grep dd rm switch_root; do ln -s busybox "$T/bb.d/bin/$a"; done
echo "$ROOT" >"$T/bb.d/etc/signet/sidecar.roothash"
ELFS=()
for f in "${BUSYBOX_ELFS[@]}"; do ELFS+=(--add-elf "$f"); done
quiet "$SIGNET" initrd build --from "$T/bb.d" --add "$SRCDIR/bench/init-busybox.sh:/init" "${ELFS[@]}" \
	--mknod dev/console:c:5:1 -o "$T/busybox.img"

# boot NAME INITRD [REGEX]: one boot, console in $T/NAME.log, the LUKS
# disk a fresh copy; returns when qemu ends (the rootfs init powers off,
# a failing busybox script panics; a signet-init waiting in recovery
# times out) or, given REGEX, once the console shows it (qemu killed).
# The guest CPU is -cpu max for its RDRAND: with random.trust_cpu the
# kernel's RNG is ready at once, as on real hardware, where qemu64
# leaves both inits waiting seconds for entropy (the TPM session and
# OpenSSL need it) at a time that varies from boot to boot.
CMDLINE="console=ttyS0 panic=-1 printk.time=1 random.trust_cpu=on signet.esp=/dev/vda signet.wait=30"
CMDLINE="$CMDLINE signet.reboot_delay=1"
boot() {
	local name=$1 initrd=$2 until=${3:-} i
	cp "$T/disk.img" "$T/disk-run.img"
	rm -f "$T/swtpm.sock"
	: >"$T/$name.log"
	swtpm_guest "$T/tpm" "$T/swtpm.sock" || fail "swtpm"
	GUEST_TPM=$!
	# shellcheck disable=SC2046
	timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 1024 -nic none -no-reboot \
		-kernel "$VMLINUZ" -initrd "$initrd" -append "$CMDLINE" \
		-drive file="$T/esp.img",format=raw,if=virtio,readonly=on \
		-drive file="$T/disk-run.img",format=raw,if=virtio \
		$(swtpm_qemu_args "$T/swtpm.sock") \
		-serial file:"$T/$name.log" -monitor none -display none >"$T/$name.qemu" 2>&1 &
	QEMU_PID=$!
	if [ -n "$until" ]; then
		console_wait "$name" "$until" 300 || true
		kill "$QEMU_PID" 2>/dev/null || true
	fi
	wait "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=""
	if [ -n "${BENCH_INIT_LOGS:-}" ]; then mkdir -p "$BENCH_INIT_LOGS" && cp "$T/$name.log" "$BENCH_INIT_LOGS/"; fi
	# swtpm ends with qemu; its state is used again by the next one.
	for i in $(seq 100); do kill -0 "$GUEST_TPM" 2>/dev/null || break; sleep 0.1; done
	kill "$GUEST_TPM" 2>/dev/null || true
	wait "$GUEST_TPM" 2>/dev/null || true
	GUEST_TPM=""
}

# --- PCR 7 of this direct boot, and the disk key sealed to it --------
# No key is sealed yet: signet-init's unseal fails and it prints PCR 7.
boot calibrate "$T/signet-init.img" 'signet-init: PCR 7 is now [0-9a-f]{64}'
PCR7=$(tr -d '\r' <"$T/calibrate.log" | sed -n 's/.*signet-init: PCR 7 is now \([0-9a-f]\{64\}\).*/\1/p' | head -1)
[ -n "$PCR7" ] || fail "the calibration boot printed no PCR 7: $(tr -d '\r' <"$T/calibrate.log" | tail -5)"
swtpm_host "$T/tpm" || fail "swtpm (host)"
quiet "$SIGNET" tpm seal -T "$TCTI" --pcr 7 --pcr-value "7:$PCR7" --handle "$HANDLE" --force --in "$T/tpm.key"
swtpm_stop

# --- the measured boots ----------------------------------------------
MARK='SIGNET-ROOTFS-OK pid=1 slot=A env=A overlay=no writable=1 id=rootfs-debian sidecar=sidecar-A'
# measure NAME: seconds from "Run /init" to the rootfs init's uptime.
measure() {
	local log start end
	log=$(tr -d '\r' <"$T/$1.log")
	start=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' <<<"$log" | head -1)
	end=$(grep -aF "$MARK" <<<"$log" | grep -ao 'uptime=[0-9.]*' | head -1 | cut -d= -f2)
	if [ -z "$start" ] || [ -z "$end" ]; then
		echo "bench/init.sh: boot $1 did not reach the rootfs ($MARK); its init said:" >&2
		grep -aE 'signet-init:|init-busybox:|Kernel panic|SIGNET-ROOTFS' <<<"$log" | tail -8 >&2
		return 1
	fi
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "init: kernel's \"Run /init\" to the rootfs init's start, in the guest" \
	"(qemu tcg, 1 vCPU on $(nproc) host CPUs, $RUNS boots each, alternating)"
: >"$T/signet.times"
: >"$T/busybox.times"
for i in $(seq "$RUNS"); do
	boot "signet-$i" "$T/signet-init.img"
	s=$(measure "signet-$i") || exit 1
	boot "busybox-$i" "$T/busybox.img"
	b=$(measure "busybox-$i") || exit 1
	echo "$s" >>"$T/signet.times"
	echo "$b" >>"$T/busybox.times"
	printf '  run %d: signet-init %s s, busybox script %s s\n' "$i" "$s" "$b"
done
s=$(median <"$T/signet.times")
b=$(median <"$T/busybox.times")
awk -v s="$s" -v b="$b" 'BEGIN { printf "  median: signet-init %.3f s, busybox script %.3f s: %.2fx\n", s, b, b / s }'
