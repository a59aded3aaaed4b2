#!/bin/bash
# signet-init under qemu (-accel tcg): Debian's kernel boots an initrd
# whose PID 1 is signet-init; it finds the ESP (a FAT image made by
# signet esp build with mtools, attached as a virtio disk), puts a slot's sidecar
# image behind dm-verity with a root hash the initrd trusts, mounts it
# with a tmpfs overlay and switches root into its /sbin/init, a static
# test program that prints a marker and powers off.
#
# The kernel and initrd are given to qemu directly (-kernel/-initrd):
# this suite tests what happens after the kernel hands over. The
# firmware side (a signed UKI under OVMF with Secure Boot) is the uki
# suite's; without EFI firmware signet-init is in secure mode unless
# the command line says signet.insecure.
. "$(dirname "$0")/lib.sh"

: "${SIGNET_INIT:=$BUILDDIR/src/init/signet-init}"
for tool in qemu-system-x86_64 mksquashfs veritysetup mformat mcopy objcopy openssl cc timeout dpkg-deb apt-get; do
	command -v "$tool" >/dev/null || { echo "missing tool $tool" >&2; exit 1; }
done
[ -x "$SIGNET_INIT" ] || { echo "missing $SIGNET_INIT" >&2; exit 1; }

# --- Debian's kernel and the modules signet-init needs ------------------
# (scripts/bootkit.sh) for a virtio ESP, loop devices, dm-verity, squashfs,
# overlayfs and FAT, all built as modules in Debian's configuration.
. "$SRCDIR/scripts/bootkit.sh"
WANT="virtio_pci virtio_blk loop dm_verity squashfs overlay vfat nls_cp437 nls_ascii efivarfs"

# boot NAME APPEND: boots the kernel with initrd $T/initrd.img and the
# ESP $T/esp.img until it powers off, reboots or 240 s pass; the serial
# console goes to $T/NAME.log.
boot() {
	local name=$1 append=$2
	timeout 240 qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot -nic none \
		-kernel "$VMLINUZ" -initrd "$T/initrd.img" \
		-append "console=ttyS0 panic=-1 $append" \
		-drive file="$T/esp.img",format=raw,if=virtio,readonly=on \
		-serial file:"$T/$name.log" -monitor none -display none >/dev/null 2>&1
	local rc=$?
	# INIT_BOOT_LOGS=DIR keeps the serial logs for a look afterwards.
	[ -n "${INIT_BOOT_LOGS:-}" ] && mkdir -p "$INIT_BOOT_LOGS" && cp "$T/$name.log" "$INIT_BOOT_LOGS/"
	echo "$name: qemu exit $rc, $(grep -a 'signet-init: slot .* verified, switching root' "$T/$name.log" | head -1)" >&2
}


VMLINUZ=$(debian_kernel) || { ko "Debian kernel"; finish; exit; }
kernel_modules $WANT || ko "modules $WANT and their dependencies"

# --- images: three trees, two trusted ---------------------------------
check "compile the test rootfs init" cc -static -O2 -o "$T/marker" "$SRCDIR/tests/boot/rootfs-init.c"
for id in A B C; do
	mkdir -p "$T/tree$id/sbin" "$T/tree$id/etc" "$T/tree$id/usr/share/filler"
	cp "$T/marker" "$T/tree$id/sbin/init"
	echo "image-$id" >"$T/tree$id/etc/sidecar-id"
	# Enough data that a flipped byte lands in a block no mount reads.
	head -c 1048576 /dev/urandom >"$T/tree$id/usr/share/filler/data"
	check "image build $id" "$SIGNET" image build --from "$T/tree$id" -o "$T/$id.sqfs" \
		--verity "$T/$id.verity" --root-hash-file "$T/$id.roothash"
	check "veritysetup verifies image $id" veritysetup verify "$T/$id.sqfs" "$T/$id.verity" "$(cat "$T/$id.roothash")"
done
# Image D is not listed but signed by the organisation's key, whose
# certificate the initrd holds; Dbad is the same image signed by another key.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/org.key" -out "$T/org.pem" -subj /CN=org -days 30 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" -subj /CN=other -days 30 2>/dev/null
cp -a "$T/treeA" "$T/treeD" && echo image-D >"$T/treeD/etc/sidecar-id"
check "image build D, signed" "$SIGNET" image build --from "$T/treeD" -o "$T/D.sqfs" --verity "$T/D.verity" \
	--root-hash-file "$T/D.roothash" --key "$T/org.key" --cert "$T/org.pem" --root-hash-sig "$T/D.p7s"
for f in sqfs verity roothash; do cp "$T/D.$f" "$T/Dbad.$f"; done
check "sign D's root hash with another key" "$SIGNET" verity sign --key "$T/other.key" --cert "$T/other.pem" \
	--root-hash "$(cat "$T/D.roothash")" -o "$T/Dbad.p7s"
{ echo "# trusted sidecar root hashes"; cat "$T/A.roothash"; echo; cat "$T/B.roothash"; echo; } >"$T/trusted"

# --- initrd: signet-init, the modules, the trusted hashes -------------
# It also holds a /bin/sh (the marker program standing in for a shell),
# which only insecure mode may run.
mkdir -p "$T/initrd.d/bin"
cp "$T/marker" "$T/initrd.d/bin/sh"
initrd_modules "$T/initrd.d"
cp "$T/trusted" "$T/initrd.d/etc/signet/sidecar.roothash"
cp "$T/org.pem" "$T/initrd.d/etc/signet/sidecar-signer.pem"
# signet-init is dynamically linked: --add-elf brings its libraries, and
# glibc's libgcc_s, which pthread_exit() (argon2's threads) loads.
check "initrd build" "$SIGNET" initrd build --from "$T/initrd.d" --add-elf "$SIGNET_INIT:/init" \
	--add-elf /lib/x86_64-linux-gnu/libgcc_s.so.1 \
	--mknod dev/console:c:5:1 -o "$T/initrd.img"

# esp SLOT-A-ID SLOT-B-ID: an ESP image (signet esp build) holding
# those images in slots A and B ("-" leaves the slot out).
esp() {
	local slot id args=()
	rm -rf "$T/esp.img" "$T/slots" && mkdir -p "$T/slots"
	for slot in A B; do
		[ "$slot" = A ] && id=$1 || id=$2
		[ "$id" = - ] && continue
		mkdir "$T/slots/$slot"
		cp "$T/$id.sqfs" "$T/slots/$slot/sidecar.sqfs"
		cp "$T/$id.verity" "$T/slots/$slot/sidecar.verity"
		cp "$T/$id.roothash" "$T/slots/$slot/sidecar.roothash"
		[ -e "$T/$id.p7s" ] && cp "$T/$id.p7s" "$T/slots/$slot/sidecar.roothash.p7s"
		args+=(--slot "$slot:$T/slots/$slot")
	done
	"$SIGNET" esp build -o "$T/esp.img" --size 16 "${args[@]}"
}
# signet.wait: how long signet-init looks for its ESP. The guest runs under
# TCG on a machine that may be busy with other work, so it gets far more
# than a real machine needs; no case here expects the wait to run out.
APPEND="signet.reboot_delay=1 signet.wait=600"

# 1. Both slots good: slot A boots; the rootfs runs as PID 1 on an
#    overlay it can write.
check "ESP with slots A and B" esp A B
boot good "$APPEND"
has good 'signet-init: secure mode, slot A first' "secure mode without firmware"
has good 'signet-init: slot A verified' "slot A verified"
has good 'SIGNET-ROOTFS-OK pid=1 slot=A env=A overlay=yes writable=1 id=image-A' "rootfs init runs from slot A"
lacks good 'REFUSED' "no refusal"

# signet.slot=B picks slot B first.
boot slotb "$APPEND signet.slot=B"
has slotb 'SIGNET-ROOTFS-OK pid=1 slot=B env=B overlay=yes writable=1 id=image-B' "signet.slot=B boots slot B"

# 2. Slot A's sidecar with one flipped byte deep in a file no mount
#    reads, slot B an image whose root hash the initrd does not trust:
#    refused, the I/O error caught, no switch_root.
cp "$T/A.sqfs" "$T/Abad.sqfs"
OFF=$(( $(stat -c %s "$T/A.sqfs") / 2 ))
printf '\x01' | dd of="$T/Abad.sqfs" bs=1 seek=$OFF conv=notrunc 2>/dev/null
cmp -s "$T/A.sqfs" "$T/Abad.sqfs" && ko "flipping a byte changed the image"
cp "$T/A.verity" "$T/Abad.verity"; cp "$T/A.roothash" "$T/Abad.roothash"
check "veritysetup also rejects the flipped image" bash -c "! veritysetup verify '$T/Abad.sqfs' '$T/Abad.verity' \$(cat '$T/Abad.roothash') 2>/dev/null"
check "ESP with a corrupt slot A and an untrusted slot B" esp Abad C
boot refused "$APPEND"
has refused 'signet-init: slot A refused: .*sidecar.sqfs does not match its root hash: .*Input/output error' "slot A refused with the I/O error"
has refused 'device-mapper: verity: .*(data block [0-9]+ is corrupted|metadata block)' "dm-verity reports the corrupted block"
has refused 'signet-init: slot B refused: .*root hash not among the initrd.s trusted ones' "slot B refused: untrusted root hash"
has refused 'signet-init: REFUSED: no slot holds a sidecar matching a trusted root hash' "refusal message"
has refused 'signet-init: rebooting in 1 s' "reboot announced"
lacks refused 'SIGNET-ROOTFS-OK' "no switch_root into a refused image"
lacks refused 'switching root' "nothing mounted as root"
lacks refused 'starting /bin/sh' "no shell in secure mode"

# The same with signet.insecure (and no Secure Boot): the shell runs, in
# the initramfs, not in a refused image.
boot insecure "$APPEND signet.insecure"
has insecure 'signet-init: insecure mode, slot A first' "insecure mode"
has insecure 'signet-init: REFUSED: no slot holds' "still refused"
has insecure 'signet-init: insecure mode: starting /bin/sh' "shell allowed"
has insecure 'SIGNET-ROOTFS-OK pid=1 slot=\? env=- overlay=no' "the shell runs in the initramfs"

# 3. Slot A broken, slot B good: slot B boots.
check "ESP with a corrupt slot A and a good slot B" esp Abad B
boot fallback "$APPEND"
has fallback 'signet-init: slot A refused: .*Input/output error' "slot A refused"
has fallback 'SIGNET-ROOTFS-OK pid=1 slot=B env=B overlay=yes writable=1 id=image-B' "fallback to slot B"

# 4. Signed root hashes: slot A's signature is by another key (refused),
#    slot B's by the organisation's (boots, though not listed).
check "ESP with a badly signed slot A and a signed slot B" esp Dbad D
boot signed "$APPEND"
has signed 'signet-init: slot A refused: .*sidecar.roothash.p7s: signature: does not verify' "signature by another key refused"
has signed 'SIGNET-ROOTFS-OK pid=1 slot=B env=B overlay=yes writable=1 id=image-D' "signed root hash boots slot B"

# 5. A typo in a signet.* key is not ignored: the boot is refused.
boot badcmd "$APPEND signet.slto=B"
has badcmd "signet-init: REFUSED: kernel command line: unknown key 'signet.slto'" "unknown key refused"
lacks badcmd 'SIGNET-ROOTFS-OK' "no boot with a bad command line"

# 6. The whole chain under OVMF with Secure Boot on (Debian's snakeoil
#    keys enrolled): the firmware runs the signed UKI (kernel, this
#    initrd, command line) from EFI/BOOT/BOOTX64.EFI on the ESP that
#    signet esp build made; signet-init reads the SecureBoot variable and
#    stays in secure mode although the command line says signet.insecure;
#    slot A is corrupt, slot B boots.
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
SNAKE_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKE_CRT=/usr/share/ovmf/PkKek-1-snakeoil.pem
openssl rsa -in "$SNAKE_KEY" -passin pass:snakeoil -out "$T/snakeoil.key" 2>/dev/null
check "signed UKI of the kernel, initrd and command line" "$SIGNET" uki build --linux "$VMLINUZ" \
	--initrd "$T/initrd.img" --cmdline "console=ttyS0 panic=-1 $APPEND signet.insecure" \
	--key "$T/snakeoil.key" --cert "$SNAKE_CRT" -o "$T/uki.efi"
check "ESP with the UKI, a corrupt slot A and a good slot B" esp Abad B
check "ESP with the UKI as BOOTX64.EFI" "$SIGNET" esp build -o "$T/esp.img" --size 48 --boot "$T/uki.efi" \
	--slot "A:$T/slots/A" --slot "B:$T/slots/B"
cp "$OVMF_VARS" "$T/vars.fd"
timeout 400 qemu-system-x86_64 -machine q35,smm=on -accel tcg -m 512 -nographic -no-reboot -nic none \
	-global driver=cfi.pflash01,property=secure,value=on \
	-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
	-drive if=pflash,format=raw,unit=1,file="$T/vars.fd" \
	-drive file="$T/esp.img",format=raw,if=virtio,readonly=on \
	-serial file:"$T/ovmf.log" -monitor none -display none >/dev/null 2>&1
[ -n "${INIT_BOOT_LOGS:-}" ] && cp "$T/ovmf.log" "$INIT_BOOT_LOGS/"
has ovmf 'secureboot: Secure boot enabled' "kernel reports Secure Boot on"
has ovmf 'signet-init: secure mode, slot A first' "Secure Boot on overrides signet.insecure"
has ovmf 'signet-init: slot A refused: .*Input/output error' "slot A refused"
has ovmf 'SIGNET-ROOTFS-OK pid=1 slot=B env=B overlay=yes writable=1 id=image-B' "UKI -> signet-init -> slot B"

"$SIGNET_INIT" >/dev/null 2>"$T/usage"
[ $? -eq 2 ] && grep -q '^Usage:' "$T/usage" && ok || ko "signet-init outside PID 1 prints usage and exits 2"
finish
