#!/bin/bash
# A real operating system as the host's rootfs, under qemu (-accel tcg):
# the example OS (scripts/debian-oci: Debian bookworm with systemd, an
# OCI image made by mmdebstrap and umoci, cached in the build tree)
# becomes a reproducible squashfs with its dm-verity tree (signet image
# build --from-oci) on the LUKS2 disk; its root hash is baked into the
# host's signed UKI. OVMF with Secure Boot runs the UKI, signet-init
# verifies the sidecar, opens the disk with the key sealed in swtpm to
# the predicted PCR 7, verifies the whole rootfs image against the baked
# root hash and switches into its /sbin/init (systemd), the sidecar
# beside it: bound at /initos/sidecar, its sshd running with the baked
# keys only. The image's signet-ready.service prints what
# `systemctl is-system-running --wait` says. Then the same disk with one
# byte of the rootfs image flipped: refused, and the host waits in
# recovery, reachable over SSH.
#
# Container mode, in the first boot: the host document's "run" list
# names three containers, runtime bundles (signet image build --from-oci
# --bundle) of an image umoci makes from a tiny static program
# (tests/boot/container-probe.c): "hello" prints its marker (the uid,
# args, env, pid, hostname and read-only root the image's config asked
# for) and exits 0; "daemon" prints it and stays, seen in /proc from the
# sidecar's sshd as crun and its child while systemd is PID 1; "broken",
# hello's image with one byte flipped under hello's root hash, is
# refused with one line and the boot goes on.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/scripts/bootkit.sh"

: "${SIGNET_INIT:=$BUILDDIR/src/init/signet-init}"
for tool in qemu-system-x86_64 mksquashfs unsquashfs mformat mcopy objcopy openssl cc timeout swtpm \
	ssh ssh-keygen cpio busybox sbverify umoci mmdebstrap crun; do
	command -v "$tool" >/dev/null || { echo "missing tool $tool" >&2; exit 1; }
done
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
for f in "$OVMF_CODE" "$OVMF_VARS" /usr/sbin/sshd "$SIGNET_INIT"; do
	[ -e "$f" ] || { echo "missing $f" >&2; exit 1; }
done
QEMU_PIDS=()
trap 'for p in "${QEMU_PIDS[@]}"; do kill "$p" 2>/dev/null; done; swtpm_stop; rm -rf "$T"' EXIT
now() { date +%s.%N; }

VMLINUZ=$(debian_kernel) || { ko "Debian kernel"; finish; exit; }
kernel_modules virtio_pci virtio_blk virtio_net loop dm_verity dm_crypt ecb xts algif_skcipher \
	squashfs overlay vfat nls_cp437 nls_ascii efivarfs ext4 crc32c_generic ||
	{ ko "kernel modules"; finish; exit; }

# --- the example OS, cached in the build tree ------------------------
LAYOUT=$("$SRCDIR/scripts/debian-oci" "$BUILDDIR/cache/debian-bookworm") ||
	{ ko "the Debian OCI image (scripts/debian-oci)"; finish; exit; }
mkdir -p "$T/disk.d/initos"
check "rootfs image from the OCI image" "$SIGNET" image build --from-oci "$LAYOUT:bookworm" --allow-devices \
	-o "$T/disk.d/initos/debian.sqfs" --verity "$T/disk.d/initos/debian.verity" \
	--root-hash-file "$T/disk.d/initos/debian.roothash"
ROOTFS_HASH=$(cat "$T/disk.d/initos/debian.roothash")
check "veritysetup verify accepts it" veritysetup verify "$T/disk.d/initos/debian.sqfs" \
	"$T/disk.d/initos/debian.verity" "$ROOTFS_HASH"
SQFS_MIB=$(( $(stat -c %s "$T/disk.d/initos/debian.sqfs" || echo 0) >> 20 ))

# --- the containers: bundles of an image umoci makes -----------------
# flip FILE: one byte in its middle changed.
flip() {
	local off orig
	off=$(($(stat -c %s "$1") / 2))
	orig=$(dd if="$1" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "\\$(printf '%03o' $(((orig + 1) % 256)))" | dd of="$1" bs=1 seek=$off conv=notrunc 2>/dev/null
}
ctr="$T/ctr"
mkdir -p "$ctr/tree/bin" "$ctr/tree/etc" "$ctr/tree/proc" "$ctr/tree/sys" "$ctr/tree/dev" \
	"$T/disk.d/initos/containers"
check "compile the container's program" cc -static -O2 -o "$ctr/tree/bin/signet-probe" \
	"$SRCDIR/tests/boot/container-probe.c"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n' >"$ctr/tree/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' >"$ctr/tree/etc/group"
find "$ctr/tree" -exec touch -h -d @0 {} +
check "umoci makes the container image" sh -c 'cd "$1" && umoci init --layout img &&
	umoci new --image img:hello && umoci insert --image img:hello tree / &&
	umoci config --image img:hello --config.entrypoint /bin/signet-probe --config.cmd one \
		--config.cmd "two words" --config.env "GREETING=hello world" --config.user app &&
	umoci config --image img:hello --tag daemon --config.cmd stay' sh "$ctr"
for c in hello daemon; do
	check "the $c bundle image" "$SIGNET" image build --from-oci "$ctr/img:$c" --bundle \
		-o "$T/disk.d/initos/containers/$c.sqfs" --verity "$T/disk.d/initos/containers/$c.verity" \
		--root-hash-file "$T/disk.d/initos/containers/$c.roothash"
done
cp "$T/disk.d/initos/containers/hello.sqfs" "$T/disk.d/initos/containers/broken.sqfs"
cp "$T/disk.d/initos/containers/hello.verity" "$T/disk.d/initos/containers/broken.verity"
flip "$T/disk.d/initos/containers/broken.sqfs"
cmp -s "$T/disk.d/initos/containers/hello.sqfs" "$T/disk.d/initos/containers/broken.sqfs" &&
	ko "the flip changed the container image" || ok
CTR_KIB=$(($(stat -c %s "$T/disk.d/initos/containers/hello.sqfs") >> 10))

# --- the sidecar ------------------------------------------------------
check "compile the test init" cc -static -O2 -o "$T/marker" "$SRCDIR/tests/boot/rootfs-init.c"
side="$T/side"
check "sidecar tree: busybox, sshd, crun and their libraries" "$SRCDIR/scripts/sidecar-tree" --crun \
	"$SIGNET" "$side" "$T/marker"
echo sidecar-A >"$side/etc/sidecar-id"
check "sidecar image" "$SIGNET" image build --from "$side" -o "$T/A.sqfs" \
	--verity "$T/A.verity" --root-hash-file "$T/A.roothash"

# --- the disk, good and with one byte of the rootfs image flipped ----
printf 'correct horse battery staple\n' >"$T/pass"
SIZE=$((SQFS_MIB * 2 + 96))
check "LUKS2 disk with the rootfs image" "$SIGNET" disk build --from "$T/disk.d" -o "$T/disk.img" \
	--size "$SIZE" --passphrase-file "$T/pass" --new-key-file "$T/tpm.key" \
	--pbkdf-memory 32768 --pbkdf-iterations 4
cp -a "$T/disk.d" "$T/bad.d"
flip "$T/bad.d/initos/debian.sqfs"
cmp -s "$T/disk.d/initos/debian.sqfs" "$T/bad.d/initos/debian.sqfs" && ko "the flip changed the image" || ok
check "LUKS2 disk with a flipped byte in the rootfs image" "$SIGNET" disk build --from "$T/bad.d" \
	-o "$T/bad.img" --size "$SIZE" --passphrase-file "$T/pass" --key-file "$T/tpm.key" \
	--pbkdf-memory 32768 --pbkdf-iterations 4
rm -rf "$T/bad.d"

# --- keys, the signed UKI --------------------------------------------
check "Secure Boot keys" "$SIGNET" sb keygen --dir "$T/sb" --cn "signet debian-boot test"
check "enroll them in OVMF's store" "$SIGNET" sb enroll --template "$OVMF_VARS" --dir "$T/sb" -o "$T/vars.fd"
ssh-keygen -q -t ed25519 -N '' -C operator -f "$T/operator" || ko "operator key"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T/stranger" || ko "stranger key"
ssh-keygen -q -t ed25519 -N '' -C host -f "$T/hostkey" || ko "host key"
HANDLE=0x81000010
cat >"$T/host.yaml" <<EOF
version: "0.1"
host: app1
disk: {device: /dev/vdb, fs: ext4, tpm: {handle: "$HANDLE", pcrs: [7]}}
rootfs: debian
rootfs_hash: "$ROOTFS_HASH"
run:
  - {image: hello, as: container, hash: "$(cat "$T/disk.d/initos/containers/hello.roothash")"}
  - {image: daemon, as: container, hash: "$(cat "$T/disk.d/initos/containers/daemon.roothash")"}
  - {image: broken, as: container, hash: "$(cat "$T/disk.d/initos/containers/hello.roothash")"}
console: {prompt_seconds: 1, passphrase_seconds: 120}
recovery: {interface: eth0, address: 10.0.2.15/24, gateway: 10.0.2.2, ssh_port: 22}
EOF
MODS=()
for f in "${ORDER[@]}"; do MODS+=(--module "$f"); done
# signet.wait=600: under TCG on a busy machine (see init-disk).
check "provision the host's signed UKI" "$SIGNET" host provision --config "$T/host.yaml" \
	--kernel "$VMLINUZ" --init "$SIGNET_INIT" "${MODS[@]}" --root-hash "$(cat "$T/A.roothash")" \
	--authorized-keys "$T/operator.pub" --ssh-host-key "$T/hostkey" \
	--cmdline "console=ttyS0 panic=-1 signet.reboot_delay=1 signet.wait=600 systemd.hostname=app1" \
	--key "$T/sb/db.key" --cert "$T/sb/db.crt" -o "$T/uki.efi"
mkdir -p "$T/slots/A" "$T/slots/B"
for s in A B; do
	cp "$T/A.sqfs" "$T/slots/$s/sidecar.sqfs"
	cp "$T/A.verity" "$T/slots/$s/sidecar.verity"
	cp "$T/A.roothash" "$T/slots/$s/sidecar.roothash"
done
check "ESP" "$SIGNET" esp build -o "$T/esp.img" --size 64 --boot "$T/uki.efi" \
	--slot "A:$T/slots/A" --slot "B:$T/slots/B"
# The key sealed to the PCR 7 the firmware will measure, predicted.
PCR7=$("$SIGNET" sb pcr7 --dir "$T/sb")
swtpm_host "$T/tpm" && "$SIGNET" tpm seal -T "$TCTI" --pcr 7 --pcr-value "7:$PCR7" \
	--handle "$HANDLE" --force --in "$T/tpm.key" >/dev/null && ok || ko "seal the disk key"
swtpm_stop

# start NAME DISK PORT: OVMF with Secure Boot, the ESP, DISK, swtpm and
# user networking (restricted: nothing but the forwarded SSH port).
start() {
	local name=$1 disk=$2 port=$3
	cp "$T/vars.fd" "$T/vars-$name.fd"
	rm -f "$T/swtpm.sock"
	swtpm_guest "$T/tpm" "$T/swtpm.sock" || return 1
	console_open "$name"
	START=$(now)
	# shellcheck disable=SC2046
	timeout 900 qemu-system-x86_64 -machine q35,smm=on -accel tcg -m 1024 -no-reboot \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,unit=1,file="$T/vars-$name.fd" \
		-drive file="$T/esp.img",format=raw,if=virtio,readonly=on \
		-drive file="$disk",format=raw,if=virtio \
		$(swtpm_qemu_args "$T/swtpm.sock") \
		-nic "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
		-serial pipe:"$T/$name" -monitor none -display none >"$T/$name.qemu" 2>&1 &
	QEMU_PID=$!
	QEMU_PIDS+=("$QEMU_PID")
}
stop() {
	kill "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	swtpm_stop
	[ -n "${INIT_BOOT_LOGS:-}" ] && mkdir -p "$INIT_BOOT_LOGS" && cp "$T/$1.log" "$INIT_BOOT_LOGS/"
	return 0
}
ssh_ready() {
	for _ in $(seq 90); do
		"${SSH[@]}" -i "$T/operator" root@127.0.0.1 true 2>/dev/null && return 0
		sleep 2
	done
	return 1
}

# 1. The Debian rootfs boots with systemd, the sidecar beside it.
PORT=$(free_port)
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts"
SSH=(ssh -p "$PORT" -o UserKnownHostsFile="$T/known_hosts" -o StrictHostKeyChecking=yes
	-o BatchMode=yes -o ConnectTimeout=20 -o IdentitiesOnly=yes)
start debian "$T/disk.img" "$PORT"
READY=""
if console_wait debian 'signet-ready: [a-z]+' 800; then
	READY=$(now)
	ok
else ko "systemd did not report: $(tr -d '\r' <"$T/debian.log" | tail -5 | tr '\n' '|')"; fi
has debian 'signet-init: disk /dev/vdb unlocked by the TPM' "the TPM opens the disk (predicted PCR 7)"
has debian 'signet-init: switching root into rootfs debian' "switch_root into the verified image"
has debian 'signet-init: sshd \(pid [0-9]+\) beside the rootfs' "sshd stays beside the rootfs"
has debian 'signet-ready: (running|degraded)' "systemctl is-system-running says running or degraded"
STATE=$(tr -d '\r' <"$T/debian.log" | sed -n 's/.*signet-ready: \([a-z]*\).*/\1/p' | head -1)
[ -n "$READY" ] && echo "debian-boot: firmware to '$STATE': $(echo "$READY - $START" | bc) s (3 containers in the run list, bundles of $CTR_KIB KiB)" >&2
echo "debian-boot: sidecar image $(stat -c %s "$T/A.sqfs") bytes (with crun)" >&2
tr -d '\r' <"$T/debian.log" | grep -a 'signet-ready' | sed 's/^/debian-boot: /' >&2
ssh_ready || ko "the sidecar's sshd does not answer while systemd runs"
check "the operator reaches the sidecar's sshd while systemd runs (host key as baked)" \
	"${SSH[@]}" -i "$T/operator" root@127.0.0.1 'cat /etc/sidecar-id /proc/1/comm'
OUT=$(tr '\n' ' ' <"$T/.out")
[ "$OUT" = "sidecar-A systemd " ] && ok || ko "sshd runs in the sidecar, PID 1 is systemd: $OUT"
# Containers: the marker on the console, crun's tree in the sidecar's /proc.
MARK='SIGNET-CONTAINER-OK uid=1000 gid=1000 args=/bin/signet-probe\|one\|two words env=GREETING=hello world pid=1 hostname=container root=ro'
has debian 'signet-init: container broken refused: .*broken.sqfs does not match its root hash' \
	"the container with a flipped byte is refused"
has debian 'signet-init: containers: 2 verified, started by crun in the sidecar' "two containers start"
has debian "$MARK" "hello's marker: the image's user, args, env; its own pid namespace, hostname, read-only root"
has debian "${MARK/one\\|two words/stay}" "daemon's marker: its tag's Cmd"
console_wait debian 'signet-init: container hello exited with status 0' 120 && ok ||
	ko "hello exits 0: $(tr -d '\r' <"$T/debian.log" | grep -a 'container' | tr '\n' '|')"
lacks debian 'container (daemon|broken) exited' "the daemon stays; nothing runs from the broken image"
# pid, comm, ppid and command line of every process, as the sidecar's
# /proc shows them: the daemon's probe is the child of crun (its comm is
# the memfd crun runs itself from), whose command line is signet-init's,
# run by the supervisor (signet-init's child, now systemd's).
check "the sidecar's /proc while systemd runs" "${SSH[@]}" -i "$T/operator" root@127.0.0.1 \
	'for p in /proc/[0-9]*; do read -r pid comm state ppid rest <"$p/stat" &&
		echo "$pid $comm $ppid $(busybox tr "\0" " " <"$p/cmdline")"; done'
cp "$T/.out" "$T/procs"
tr -d '\r' <"$T/debian.log" | grep -a 'SIGNET-CONTAINER-OK\|container' | sed 's/^/debian-boot: /' >&2
CRUN_PID=$(awk '$2 == "(signet-probe)" { print $3 }' "$T/procs" | head -1)
SUPER_PID=$(awk -v p="$CRUN_PID" '$1 == p { print $3 }' "$T/procs")
grep -q "^$CRUN_PID (memfd:crun[^ ]* $SUPER_PID /usr/bin/crun --root /run/crun --cgroup-manager=disabled run --bundle /run/containers/daemon daemon \$" "$T/procs" &&
	grep -q "^$SUPER_PID (init) 1 " "$T/procs" && ok ||
	ko "crun's tree in the sidecar's /proc: supervisor, crun, signet-probe: $(grep -a 'crun\|probe\|(init)' "$T/procs" | tr '\n' '|')"
grep -q '(signet-probe) [0-9]* /bin/signet-probe stay $' "$T/procs" && ok || ko "the daemon's probe runs"
awk '$1 == 1 && $2 == "(systemd)" { f = 1 } END { exit !f }' "$T/procs" && ok || ko "systemd is PID 1 meanwhile"
if "${SSH[@]}" -i "$T/stranger" root@127.0.0.1 true 2>"$T/stranger.err"; then
	ko "a key not in authorized_keys logs in"
else grep -q 'Permission denied (publickey)' "$T/stranger.err" && ok || ko "stranger: $(cat "$T/stranger.err")"; fi
stop debian

# 2. One byte of the rootfs image flipped: refused before anything runs
#    from it; the host waits in recovery, reachable over SSH.
PORT=$(free_port)
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts"
SSH[2]="$PORT"
start flipped "$T/bad.img" "$PORT"
console_wait flipped 'recovery: waiting on' 800 || ko "no recovery after the flipped byte"
has flipped 'debian.sqfs does not match its root hash: .*Input/output error' "the flipped byte is found"
has flipped 'recovery mode: the rootfs does not verify' "the host goes to recovery"
lacks flipped 'switching root into rootfs|signet-ready' "nothing runs from the image"
ssh_ready && ok || ko "recovery's sshd answers"
stop flipped
finish
