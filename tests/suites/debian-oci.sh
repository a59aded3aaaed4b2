#!/bin/bash
# debian-oci: the example OS, Debian bookworm with systemd, as the OCI
# image scripts/debian-oci makes (once, into $BUILDDIR/cache; a warm run
# reuses it): the layout as umoci reads it, then the unpacked rootfs as
# systemd's own tools see it in a chroot (init, masked units, the enabled
# signet-ready.service, a read-only-ready /etc), then booted under qemu
# from a read-only squashfs until signet-ready.service reports.
. "$(dirname "$0")/lib.sh"
for tool in mmdebstrap umoci python3 chroot qemu-system-x86_64 mksquashfs cpio busybox objcopy \
	timeout apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || { echo "$tool not found (see scripts/deps check)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "debian-oci: mmdebstrap and umoci unpack need root" >&2; exit 1; }

C="$BUILDDIR/cache/debian-bookworm"
L=$("$SRCDIR/scripts/debian-oci" "$C") || { echo "scripts/debian-oci failed" >&2; exit 1; }
[ "$L" = "$(cd "$C" && pwd)/layout" ] && ok || ko "layout path: $L"

# A second call finds its stamp and changes nothing.
before=$(tree_sum "$C/layout")
check "second call" "$SRCDIR/scripts/debian-oci" "$C"
[ "$(tree_sum "$C/layout")" = "$before" ] && ok || ko "a second call rebuilt the layout"
ls -d "$C"/build.* >/dev/null 2>&1 && ko "a build directory was left in $C" || ok

# The layout: one tagged manifest, one gzip layer, the config's Cmd and
# every created time at SOURCE_DATE_EPOCH.
check "umoci stat" umoci stat --image "$L:bookworm"
awk 'NR > 1' "$T/.out" >"$T/layers"
[ "$(wc -l <"$T/layers")" -eq 1 ] && ok || ko "layers: $(cat "$T/.out")"
contains "layer created" "$T/layers" "2025-05-17T00:00:00Z mmdebstrap --variant=essential"
check "layout json" python3 - "$L" <<'PY'
import json, sys
L = sys.argv[1]
def blob(d):
    return json.load(open(f"{L}/blobs/sha256/{d.split(':')[1]}"))
idx = json.load(open(f"{L}/index.json"))
(m,) = idx["manifests"]
assert m["annotations"]["org.opencontainers.image.ref.name"] == "bookworm", m
man = blob(m["digest"])
(layer,) = man["layers"]
assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip", layer
cfg = blob(man["config"]["digest"])
assert cfg["config"]["Cmd"] == ["/sbin/init"], cfg
assert cfg["created"] == "2025-05-17T00:00:00Z", cfg
assert [h["created"] for h in cfg["history"]] == ["2025-05-17T00:00:00Z"], cfg
assert cfg["architecture"] == "amd64" and cfg["os"] == "linux", cfg
print(layer["digest"].split(":")[1])
PY
LAYER="$L/blobs/sha256/$(cat "$T/.out")"
# No entry newer than SOURCE_DATE_EPOCH (mmdebstrap clamped them).
zcat "$LAYER" | tar -tv --full-time >"$T/list" && ok || ko "the layer is not a gzip tar"
awk '$4 " " $5 > "2025-05-17 00:00:00" { print; bad = 1 } END { exit bad }' "$T/list" >"$T/newer" && ok ||
	ko "entries newer than SOURCE_DATE_EPOCH: $(head -3 "$T/newer")"

R="$T/img/rootfs"
mkdir -p "$T/img"
check "umoci raw unpack" umoci raw unpack --image "$L:bookworm" "$R"
[ "$(readlink "$R/sbin/init")" = /lib/systemd/systemd ] && ok || ko "/sbin/init -> $(readlink "$R/sbin/init")"
[ -x "$R/lib/systemd/systemd" ] && ok || ko "no /lib/systemd/systemd"
check "systemctl --version" chroot "$R" /bin/systemctl --version
contains "systemd 252" "$T/.out" "^systemd 252 "
[ -x "$R/usr/bin/dbus-daemon" ] && ok || ko "no dbus-daemon"
absent "no apt" "$R/usr/bin/apt-get"
absent "no udev" "$R/lib/systemd/systemd-udevd"
absent "no resolv.conf" "$R/etc/resolv.conf"
ls "$R"/var/cache/apt/archives/*.deb >/dev/null 2>&1 && ko "debs left in the image" || ok

# A root that can be read-only: nothing to mount, an empty machine-id
# (systemd mounts a transient one over it), the journal in /run.
[ -f "$R/etc/fstab" ] && [ ! -s "$R/etc/fstab" ] && ok || ko "/etc/fstab is not empty"
[ -f "$R/etc/machine-id" ] && [ ! -s "$R/etc/machine-id" ] && ok || ko "/etc/machine-id is not empty"
[ "$(cat "$R/etc/hostname")" = signet ] && ok || ko "hostname: $(cat "$R/etc/hostname")"
# The mode is not the host's (mmdebstrap copies its /etc/hostname in).
[ "$(stat -c %a "$R/etc/hostname")" = 644 ] && ok || ko "/etc/hostname mode $(stat -c %a "$R/etc/hostname")"
contains "journal volatile" "$R/etc/systemd/journald.conf.d/signet.conf" "^Storage=volatile$"

# The masked units: at least those that touch the root disk or bring up
# the network, the serial getty's generator and sysext (which would merge
# writable state over /usr), each a link to /dev/null and masked for
# systemctl.
for u in systemd-remount-fs.service systemd-fsck-root.service systemd-networkd.service \
	systemd-gpt-auto-generator systemd-getty-generator fstrim.timer systemd-sysext.service; do
	grep -qx "$u" "$C/masked" && ok || ko "$u is not in $C/masked"
done
while read -r u; do
	case "$u" in
	*-generator) [ "$(readlink "$R/etc/systemd/system-generators/$u")" = /dev/null ] && ok ||
		ko "generator $u is not masked" ;;
	*) [ "$(readlink "$R/etc/systemd/system/$u")" = /dev/null ] && ok || ko "$u is not linked to /dev/null"
		case "$u" in *@.*) continue ;; esac
		st=$(chroot "$R" systemctl is-enabled "$u" 2>&1)
		[ "$st" = masked ] && ok || ko "systemctl is-enabled $u: $st" ;;
	esac
done <"$C/masked"

# signet-ready.service: enabled, valid for systemd-analyze, and the only
# thing on the console; no getty.
st=$(chroot "$R" systemctl is-enabled signet-ready.service 2>&1)
[ "$st" = enabled ] && ok || ko "signet-ready.service: $st"
st=$(chroot "$R" systemctl is-enabled getty@tty1.service 2>&1)
[ "$st" = disabled ] && ok || ko "getty@tty1.service: $st"
check "systemd-analyze verify" chroot "$R" systemd-analyze verify signet-ready.service
[ ! -s "$T/.err" ] && ok || ko "systemd-analyze verify: $(head -3 "$T/.err")"
contains "ready: after multi-user" "$R/etc/systemd/system/signet-ready.service" "^After=multi-user.target$"
contains "ready: console marker" "$R/usr/lib/signet/signet-ready" "signet-ready: %s"
check "ready script parses" chroot "$R" /bin/sh -n /usr/lib/signet/signet-ready
[ "$(readlink "$R/etc/systemd/system/default.target")" = /lib/systemd/system/multi-user.target ] && ok ||
	ko "default.target -> $(readlink "$R/etc/systemd/system/default.target")"

# --- the boot ---------------------------------------------------------
# Debian's kernel; a busybox initrd that mounts the rootfs as a squashfs,
# read-only and with nothing writable beside it, and switch_roots into
# /sbin/init, as signet-init will after verity. systemd must reach
# "running" with no failed unit, its machine-id a transient one.
. "$SRCDIR/scripts/bootkit.sh"
QEMU_PID=""
trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; rm -rf "$T"' EXIT
VMLINUZ=$(debian_kernel) || { ko "Debian kernel"; finish; exit; }
kernel_modules virtio_pci virtio_blk squashfs || ko "modules virtio_pci virtio_blk squashfs"
I="$T/initrd"
mkdir -p "$I/bin" "$I/dev" "$I/proc" "$I/newroot"
cp /bin/busybox "$I/bin/busybox"
initrd_modules "$I"
cat >"$I/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
for m in $(cat /etc/signet/modules); do insmod "$m"; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t squashfs -o ro /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; poweroff -f; }
umount /proc
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
chmod 0755 "$I/init"
(cd "$I" && find . | sort | cpio -o -H newc --quiet) >"$T/initrd.img" && ok || ko "initrd cpio"
check "mksquashfs" mksquashfs "$R" "$T/root.sqfs" -quiet -noappend -all-root -no-progress
: >"$T/boot.log"
timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m 1024 -nographic -no-reboot -nic none \
	-kernel "$VMLINUZ" -initrd "$T/initrd.img" -append "console=ttyS0 panic=-1" \
	-drive file="$T/root.sqfs",format=raw,if=virtio,readonly=on \
	-serial file:"$T/boot.log" -monitor none -display none >/dev/null 2>&1 &
QEMU_PID=$!
end=$((SECONDS + 500))
while [ $SECONDS -lt $end ] && kill -0 "$QEMU_PID" 2>/dev/null &&
	! tr -d '\r' <"$T/boot.log" | grep -aq '^signet-ready: failed:'; do
	sleep 1
done
kill "$QEMU_PID" 2>/dev/null
wait "$QEMU_PID" 2>/dev/null
QEMU_PID=""
# DEBIAN_OCI_LOGS=DIR keeps the console for a look afterwards.
[ -n "${DEBIAN_OCI_LOGS:-}" ] && mkdir -p "$DEBIAN_OCI_LOGS" && cp "$T/boot.log" "$DEBIAN_OCI_LOGS/"
tr -d '\r' <"$T/boot.log" | sed 's/\x1b\[[0-9;]*m//g' >"$T/console"
grep -aq '^signet-ready: running$' "$T/console" && ok ||
	ko "boot: $(grep -a '^signet-ready:' "$T/console" | tr '\n' ' ') $(tail -3 "$T/console" | tr '\n' '|')"
grep -aq '^signet-ready: failed: none$' "$T/console" && ok || ko "boot: $(grep -a '^signet-ready: failed' "$T/console")"
grep -aq 'Installed transient /etc/machine-id file' "$T/console" && ok || ko "boot: no transient machine-id"
grep -aq 'Hostname set to <signet>' "$T/console" && ok || ko "boot: hostname not set from /etc/hostname"
# An empty machine-id is not a first boot: no preset-all, no wizard.
grep -aq 'systemd-firstboot.service .* skipped because of an unmet condition check (ConditionFirstBoot=yes)' \
	"$T/console" && ok || ko "boot: systemd took it for a first boot"
grep -aq 'FAILED' "$T/console" && ko "boot: $(grep -a FAILED "$T/console" | head -3)" || ok

finish
