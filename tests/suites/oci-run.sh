#!/bin/bash
# signet oci runtime-config: images umoci builds (a static busybox, a
# probe script, /etc/passwd and /etc/group) unpacked by umoci into
# bundles whose config.json signet writes, run by crun: the probe's
# marker shows the args, env, cwd, uid, gid and groups the image's config
# said (users named and numbered, resolved in the image's files), a read-only root with its volume
# writable, its own hostname, no network but loopback, no capabilities
# for a uid other than 0 and no new privileges. The interesting fields
# (process.args, env, cwd, user) are compared with what `umoci raw
# runtime-config` writes for the same image, read by python3. An image
# whose /etc/passwd is a link out of it is refused.
#
# crun runs with --cgroup-manager=disabled and its state in this suite's
# directory: the configuration is what is tested, not cgroups, and no
# state outlives the suite. crun 1.8 refuses a hybrid cgroup layout
# whose cgroup v2 hierarchy has controllers ("cgroups in hybrid mode not
# supported, drop all controllers from cgroupv2"), whatever its cgroup
# manager; on such a host crun runs in a private mount namespace of its
# own with /sys/fs/cgroup/unified unmounted (the host's mounts are not
# touched).
. "$(dirname "$0")/lib.sh"

for tool in crun umoci python3 unshare; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "oci-run: crun needs root here" >&2; exit 1; }
BUSYBOX=/bin/busybox
if [ ! -x "$BUSYBOX" ] || readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'INTERP'; then
	echo "oci-run: $BUSYBOX is not a static busybox (busybox-static)" >&2
	exit 1
fi

hybrid=0
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] &&
	[ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
	hybrid=1
fi
N=0
# crun_run BUNDLE: runs it under a name no other run uses, output in
# $T/.out, errors in $T/.err.
crun_run() {
	N=$((N + 1))
	local c=(crun --root "$T/crun" --cgroup-manager=disabled run --bundle "$1" "oci-run-$$-$N")
	if [ "$hybrid" -eq 1 ]; then
		timeout 120 unshare --mount --propagation private \
			sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "${c[@]}"
	else
		timeout 120 "${c[@]}"
	fi </dev/null >"$T/.out" 2>"$T/.err"
}

# The image: busybox and a probe that prints what the container is.
mkdir -p "$T/tree/bin" "$T/tree/work" "$T/tree/data" "$T/tree/etc"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n' >"$T/tree/etc/passwd"
printf 'root:x:0:\napp:x:1001:\nstaff:x:50:app\nwheel:x:10:app,root\n' >"$T/tree/etc/group"
cp "$BUSYBOX" "$T/tree/bin/busybox"
ln -s busybox "$T/tree/bin/sh"
cat >"$T/tree/bin/probe" <<'EOF'
#!/bin/busybox sh
b=/bin/busybox
echo "MARK signet-oci-run"
s="args=$0"
for a in "$@"; do s="$s|$a"; done
echo "$s"
echo "uid=$($b id -u) gid=$($b id -g)"
echo "groups=$($b id -G)"
echo "home=$HOME"
echo "cwd=$($b pwd)"
echo "greeting=$GREETING"
echo "path=$PATH"
echo "hostname=$($b hostname)"
echo "net=$($b ls /sys/class/net | $b tr '\n' ' ')"
if $b touch /rootfs-write 2>/dev/null; then echo "root=rw"; else echo "root=ro"; fi
if echo x >/data/f 2>/dev/null; then echo "volume=rw"; else echo "volume=ro"; fi
echo "$($b grep '^CapEff:' /proc/self/status | $b tr -d '\t ')"
echo "$($b grep '^NoNewPrivs:' /proc/self/status | $b tr -d '\t ')"
EOF
chmod 0755 "$T/tree/bin/probe" "$T/tree/data"
cd "$T" || exit 1
check "umoci builds the image" sh -c 'umoci init --layout img && umoci new --image img:t &&
	umoci insert --image img:t tree / &&
	umoci config --image img:t --config.entrypoint /bin/probe --config.cmd one \
		--config.cmd "two words" --config.env "GREETING=hello world" \
		--config.workingdir /work --config.user 1000:1000 --config.volume /data \
		--config.label org.example.role=probe --config.stopsignal SIGINT &&
	umoci config --image img:t --tag cmdonly --clear config.entrypoint \
		--config.cmd /bin/probe --config.cmd x --config.user 1000 &&
	umoci config --image img:t --tag root --config.user "" &&
	umoci config --image img:t --tag named --config.user app:staff &&
	umoci config --image img:t --tag byname --config.user app'

# unpack TAG: bundle-TAG with the image's rootfs and signet's config.json.
unpack() {
	mkdir -p "$T/bundle-$1" &&
		umoci raw unpack --image "img:$1" "$T/bundle-$1/rootfs" >/dev/null 2>&1 &&
		"$SIGNET" oci runtime-config --rootfs "$T/bundle-$1/rootfs" "${@:2}" "img:$1" \
			"$T/bundle-$1/config.json"
}
check "signet writes the bundle's config" unpack t
check "crun runs it" crun_run "$T/bundle-t"
cp "$T/.out" "$T/t.out"
contains "the marker" "$T/t.out" '^MARK signet-oci-run$'
contains "args: Entrypoint then Cmd" "$T/t.out" '^args=/bin/probe|one|two words$'
contains "uid and gid" "$T/t.out" '^uid=1000 gid=1000$'
contains "no other groups (the group was given)" "$T/t.out" '^groups=1000$'
contains "HOME from the image's passwd" "$T/t.out" '^home=/home/app$'
contains "cwd" "$T/t.out" '^cwd=/work$'
contains "env" "$T/t.out" '^greeting=hello world$'
contains "the default PATH" "$T/t.out" '^path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$'
contains "hostname" "$T/t.out" '^hostname=container$'
contains "no network but loopback" "$T/t.out" '^net=lo $'
contains "the root is read-only" "$T/t.out" '^root=ro$'
contains "the volume is writable" "$T/t.out" '^volume=rw$'
contains "no capabilities for uid 1000" "$T/t.out" '^CapEff:0000000000000000$'
contains "no new privileges" "$T/t.out" '^NoNewPrivs:1$'
absent "nothing written to the image's rootfs" "$T/bundle-t/rootfs/rootfs-write"
absent "nor under its volume" "$T/bundle-t/rootfs/data/f"
grep -q '"org.opencontainers.image.stopSignal": "SIGINT"' "$T/bundle-t/config.json" &&
	grep -q '"org.example.role": "probe"' "$T/bundle-t/config.json" && ok ||
	ko "StopSignal and the label as annotations"

# Cmd alone, a uid without a gid (its passwd entry's gid, its groups);
# names; root (empty User) with --hostname and --host-network.
check "the Cmd-only image's config" unpack cmdonly
check "crun runs it" crun_run "$T/bundle-cmdonly"
contains "args: Cmd alone" "$T/.out" '^args=/bin/probe|x$'
contains "uid 1000, its gid 1001" "$T/.out" '^uid=1000 gid=1001$'
contains "and the groups listing app" "$T/.out" '^groups=1001 10 50$'
contains "cwd" "$T/.out" '^cwd=/work$'
check "user and group by name" unpack named
check "crun runs it" crun_run "$T/bundle-named"
contains "app:staff" "$T/.out" '^uid=1000 gid=50$'
contains "only the group named" "$T/.out" '^groups=50$'
check "user by name" unpack byname
check "crun runs it" crun_run "$T/bundle-byname"
contains "app" "$T/.out" '^uid=1000 gid=1001$'
contains "app's groups" "$T/.out" '^groups=1001 10 50$'
check "the root image's config" unpack root --hostname web-1 --host-network
check "crun runs it" crun_run "$T/bundle-root"
contains "uid 0" "$T/.out" '^uid=0 gid=0$'
contains "root's groups" "$T/.out" '^groups=0 10$'
contains "root's HOME" "$T/.out" '^home=/root$'
contains "--hostname" "$T/.out" '^hostname=web-1$'
contains "root has the three capabilities" "$T/.out" '^CapEff:0000000020000420$'
grep -q '^net=.*lo ' "$T/.out" && [ "$(grep '^net=' "$T/.out")" != "net=lo " ] && ok ||
	ko "--host-network: the host's interfaces: $(grep '^net=' "$T/.out")"
contains "still read-only" "$T/.out" '^root=ro$'

# The fields umoci's conversion also makes are the same (umoci adds
# TERM=xterm: its configuration has a terminal, signet's none).
for tag in t cmdonly named byname root; do
	mkdir -p "$T/umoci-$tag"
	umoci raw runtime-config --image "img:$tag" --rootfs "$T/bundle-$tag/rootfs" \
		"$T/umoci-$tag/config.json" 2>"$T/.err"
	if python3 - "$T/bundle-$tag/config.json" "$T/umoci-$tag/config.json" <<'EOF'; then ok; else ko "$tag: fields differ from umoci's"; fi
import json, sys
ours, theirs = (json.load(open(f))["process"] for f in sys.argv[1:3])
theirs["env"] = [e for e in theirs["env"] if e != "TERM=xterm"]
bad = [k for k in ("args", "env", "cwd") if ours[k] != theirs[k]]
u = lambda p: (p["user"]["uid"], p["user"]["gid"], p["user"].get("additionalGids") or [])
if u(ours) != u(theirs):
    bad.append("user")
for k in bad:
    print(f"{k}: ours {ours[k]!r}, umoci's {theirs[k]!r}", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
done

# The config blob itself (--config) gives the same bytes as the layout;
# the same image twice gives the same bytes.
cfg=$(python3 -c 'import json
m=[d for d in json.load(open("img/index.json"))["manifests"] if d["annotations"]["org.opencontainers.image.ref.name"]=="t"][0]
print(json.load(open("img/blobs/sha256/"+m["digest"][7:]))["config"]["digest"][7:])')
check "--config FILE" "$SIGNET" oci runtime-config --rootfs "$T/bundle-t/rootfs" --config "img/blobs/sha256/$cfg" "$T/from-blob.json"
same "--config gives the layout's bytes" "$T/from-blob.json" "$T/bundle-t/config.json"
to_stdout() { "$SIGNET" oci runtime-config --rootfs "$T/bundle-t/rootfs" --config - - <"img/blobs/sha256/$cfg" >"$T/stdout.json"; }
check "--config - to standard output" to_stdout
same "standard output, the same bytes" "$T/stdout.json" "$T/bundle-t/config.json"
check "again" "$SIGNET" oci runtime-config --rootfs "$T/bundle-t/rootfs" img:t "$T/again.json"
same "the same bytes again" "$T/again.json" "$T/bundle-t/config.json"

# Refusals: one line, nothing written.
expect_exit 1 "a user name without --rootfs" "$SIGNET" oci runtime-config img:named "$T/named.json"
contains "the rule" "$T/.err" 'config.User: not a numeric uid'
absent "nothing written for it" "$T/named.json"
umoci config --image img:t --tag ghost --config.user ghost >/dev/null 2>&1
expect_exit 1 "a user not in the image" "$SIGNET" oci runtime-config --rootfs "$T/bundle-t/rootfs" img:ghost "$T/ghost.json"
contains "the rule" "$T/.err" "config.User: no user 'ghost' in the image's /etc/passwd"
# The unpacked image's /etc/passwd a link to the host's: not followed.
cp -a "$T/bundle-t/rootfs" "$T/linked"
ln -sf /etc/passwd "$T/linked/etc/passwd"
expect_exit 1 "a passwd that links out" "$SIGNET" oci runtime-config --rootfs "$T/linked" img:byname "$T/linked.json"
contains "the rule" "$T/.err" 'etc/passwd: a symbolic link (not followed out of the image)'
rm -rf "$T/linked/etc" && ln -s /etc "$T/linked/etc"
expect_exit 1 "an etc that links out" "$SIGNET" oci runtime-config --rootfs "$T/linked" img:byname "$T/linked.json"
contains "the rule" "$T/.err" 'etc: not a directory'
absent "nothing written for them" "$T/linked.json"
umoci config --image img:t --tag nothing --clear config.entrypoint --clear config.cmd >/dev/null 2>&1
expect_exit 1 "nothing to run" "$SIGNET" oci runtime-config img:nothing "$T/nothing.json"
contains "the rule" "$T/.err" 'neither Entrypoint nor Cmd'
expect_exit 1 "no such tag" "$SIGNET" oci runtime-config img:nope "$T/nope.json"
cp img/blobs/sha256/"$cfg" "$T/tampered"
printf ' ' >>img/blobs/sha256/"$cfg"
expect_exit 1 "a config blob whose digest does not match" "$SIGNET" oci runtime-config img:t "$T/tampered.json"
contains "the rule" "$T/.err" 'its descriptor says'
cp "$T/tampered" img/blobs/sha256/"$cfg"
expect_exit 2 "one operand" "$SIGNET" oci runtime-config img:t
expect_exit 2 "two with --config" "$SIGNET" oci runtime-config --config x a b
expect_exit 2 "a bad --hostname" "$SIGNET" oci runtime-config --hostname 'a b' img:t "$T/x.json"
expect_exit 2 "an empty tag" "$SIGNET" oci runtime-config img: "$T/x.json"
check "help" "$SIGNET" oci runtime-config --help
finish
