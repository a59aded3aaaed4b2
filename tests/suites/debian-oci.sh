#!/bin/bash
# debian-oci: the example OS, Debian bookworm with systemd, as the OCI
# image scripts/debian-oci makes (once, into $BUILDDIR/cache; a warm run
# reuses it): the layout as umoci reads it, then the unpacked rootfs as
# systemd's own tools see it in a chroot (init, masked units, the enabled
# signet-ready.service, a read-only-ready /etc).
. "$(dirname "$0")/lib.sh"
for tool in mmdebstrap umoci python3 chroot; do
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
contains "journal volatile" "$R/etc/systemd/journald.conf.d/signet.conf" "^Storage=volatile$"

# The masked units: at least those that touch the root disk or bring up
# the network, each a link to /dev/null and masked for systemctl.
for u in systemd-remount-fs.service systemd-fsck-root.service systemd-networkd.service \
	systemd-gpt-auto-generator fstrim.timer; do
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

finish
