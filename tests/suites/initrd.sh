#!/bin/bash
# signet initrd build against GNU cpio, bsdcpio (libarchive), gzip and
# zstd: the archive must extract to the same tree with both cpio
# implementations, decompress with the real tools, carry fixed owners,
# times and inode numbers, and be byte-identical across builds and
# across copies of the tree with other owners, times and listing order.
. "$(dirname "$0")/lib.sh"

for tool in cpio bsdcpio gzip zstd python3; do
	command -v "$tool" >/dev/null || { echo "$tool not found (see scripts/deps check)" >&2; exit 1; }
done

# A tree with every kind of entry the kernel's unpacker handles.
R=$T/root
mkdir -p "$R/bin" "$R/etc/empty.d" "$R/usr/lib/deep/er/still" "$R/a-b" "$R/a/b" "$R/with space"
printf '#!/bin/sh\necho SIGNET-INITRD-OK\n' >"$R/init"
chmod 0755 "$R/init"
printf 'x' >"$R/etc/one-byte"
printf 'hello\n' >"$R/etc/motd"
: >"$R/etc/empty"
head -c 100003 /dev/urandom >"$R/usr/lib/deep/er/still/blob"
ln -s ../init "$R/bin/start"
ln -s /nonexistent/target "$R/bin/dangling"
mkfifo "$R/fifo"
chmod 1777 "$R/a"
cp "$R/init" "$R/bin/suid" && chmod 4711 "$R/bin/suid"
chmod 0600 "$R/etc/motd"
chmod 0700 "$R/etc/empty.d"
echo spaced >"$R/with space/file name"
ln "$R/etc/motd" "$R/etc/motd.hardlink"
IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1 && mknod "$R/null" c 1 3

# listing DIR: path, type+mode, size of regular files, link target.
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%p %M %s %l\n' | awk '{ if ($2 ~ /^[dlp]/) $3 = "-"; print }' | sort)
}

for comp in none gzip zstd; do
	check "build ($comp)" "$SIGNET" initrd build --from "$R" --compress "$comp" -o "$T/a.$comp"
	check "build again ($comp)" "$SIGNET" initrd build --from "$R" --compress "$comp" -o "$T/b.$comp"
	same "two builds are byte-identical ($comp)" "$T/a.$comp" "$T/b.$comp"
done
check "gzip is the default" "$SIGNET" initrd build --from "$R" -o "$T/default"
same "default compression is gzip" "$T/default" "$T/a.gzip"

# The compressed forms decompress, with the real tools, to the plain one.
check "gzip -t" gzip -t "$T/a.gzip"
gzip -dc "$T/a.gzip" >"$T/gunzipped" && ok || ko "gzip -dc"
same "gzip decompresses to the plain archive" "$T/gunzipped" "$T/a.none"
check "zstd -t" zstd -q -t "$T/a.zstd"
zstd -q -dc "$T/a.zstd" >"$T/unzstd" && ok || ko "zstd -dc"
same "zstd decompresses to the plain archive" "$T/unzstd" "$T/a.none"
[ "$(head -c 2 "$T/a.gzip" | od -An -tx1 | tr -d ' ')" = 1f8b ] && ok || ko "gzip magic"
[ "$(head -c 8 "$T/a.gzip" | tail -c 4 | od -An -tx1 | tr -d ' ')" = 00000000 ] && ok ||
	ko "gzip header mtime is 0"
[ "$(head -c 4 "$T/a.zstd" | od -An -tx1 | tr -d ' ')" = 28b52ffd ] && ok || ko "zstd magic"

# GNU cpio and bsdcpio extract the same tree.
listing "$R" >"$T/want"
for x in cpio bsdcpio; do
	rm -rf "$T/x-$x" && mkdir "$T/x-$x"
	if [ $x = cpio ]; then
		(cd "$T/x-$x" && cpio -idm --quiet --no-absolute-filenames <"$T/a.none") && ok || ko "cpio -id"
	else
		(cd "$T/x-$x" && bsdcpio -idm --quiet <"$T/a.none") 2>/dev/null && ok || ko "bsdcpio -id"
	fi
	listing "$T/x-$x" >"$T/got-$x"
	if cmp -s "$T/want" "$T/got-$x"; then ok; else
		ko "$x: extracted tree differs: $(diff "$T/want" "$T/got-$x" | head -6)"
	fi
	if diff -r --no-dereference -x fifo -x null "$R" "$T/x-$x" >"$T/diff" 2>&1; then ok; else
		ko "$x: contents differ: $(head -4 "$T/diff")"
	fi
	if [ $IS_ROOT = 1 ]; then
		[ "$(stat -c '%F %t:%T' "$T/x-$x/null")" = "character special file 1:3" ] && ok ||
			ko "$x: device node: $(stat -c '%F %t:%T' "$T/x-$x/null")"
	fi
done

# Owners, times and order as stated, read from the listing.
cpio -itv --quiet <"$T/a.none" >"$T/tv" 2>/dev/null
awk '$3 != "root" || $4 != "root" { bad = 1 } END { exit bad }' "$T/tv" && ok || ko "owners are root:root"
grep -vq "Jan  1  1970" "$T/tv" && ko "mtimes are 0: $(grep -v 'Jan  1  1970' "$T/tv" | head -2)" || ok
cpio -it --quiet <"$T/a.none" >"$T/names" 2>/dev/null
LC_ALL=C sort "$T/names" | cmp -s - "$T/names" && ok || ko "entries sorted by path"
grep -q '^\./\|^/' "$T/names" && ko "names are relative without ./" || ok

# The raw newc headers: sequential inode numbers from 1, uid/gid/mtime 0,
# nlink 2 + subdirectories for directories and 1 otherwise, 4-byte
# alignment, the trailer last, nothing after it.
python3 - "$T/a.none" >"$T/py" 2>&1 <<'EOF' && ok || ko "newc headers: $(cat "$T/py")"
import sys, stat
d = open(sys.argv[1], 'rb').read()
p = 0; ino = 0; ents = []
while True:
    h = d[p:p + 110]
    assert h[:6] == b'070701', 'magic at %d' % p
    f = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
    namesize, size = f[11], f[6]
    name = d[p + 110:p + 110 + namesize - 1].decode()
    assert d[p + 110 + namesize - 1] == 0, 'name NUL'
    p = (p + 110 + namesize + 3) & ~3
    if name == 'TRAILER!!!':
        assert size == 0 and f[4] == 1, 'trailer'
        break
    ino += 1
    assert f[0] == ino, '%s: inode %d, want %d' % (name, f[0], ino)
    assert f[2] == 0 and f[3] == 0 and f[5] == 0, '%s: uid/gid/mtime' % name
    assert f[12] == 0, 'check field'
    ents.append((name, f[1], f[4]))
    p = (p + size + 3) & ~3
assert p == len(d), 'bytes after the trailer'
dirs = {n for n, m, _ in ents if stat.S_ISDIR(m)}
for n, m, nlink in ents:
    want = 1
    if stat.S_ISDIR(m):
        want = 2 + sum(1 for o in dirs if o.rsplit('/', 1)[0] == n and '/' in o)
    assert nlink == want, '%s: nlink %d, want %d' % (n, nlink, want)
    parent = n.rsplit('/', 1)[0] if '/' in n else None
    assert parent is None or parent in dirs, n + ': parent missing'
EOF

# Another copy of the tree with other owners, times and creation order:
# the same archive.
mkdir "$T/copy"
(cd "$R" && find . -mindepth 1 -depth -print0 | LC_ALL=C sort -rz |
	cpio -pdm0 --quiet "$T/copy" 2>/dev/null)
find "$T/copy" -exec touch -h -d '2001-02-03 04:05:06' {} +
# (chown clears set-user-ID bits: put them back.)
[ $IS_ROOT = 1 ] && chown -hR 1234:5678 "$T/copy" && chmod 4711 "$T/copy/bin/suid"
check "build of the copy" "$SIGNET" initrd build --from "$T/copy" --compress none -o "$T/copy.none"
same "owners, times and order do not matter" "$T/a.none" "$T/copy.none"

# --add and --mknod: new paths with made-up parents, replacement, order.
echo added >"$T/extra"
mkdir -p "$T/extradir/sub" && echo in >"$T/extradir/sub/f"
check "build with --add/--mknod" "$SIGNET" initrd build --from "$R" --compress none \
	--add "$T/extra:/opt/new/place/extra" --add "$T/extra:etc/motd" \
	--add "$T/extradir:/srv/tree" --mknod dev/console:c:5:1 -o "$T/add.none"
rm -rf "$T/x-add" && mkdir "$T/x-add"
(cd "$T/x-add" && cpio -idm --quiet --no-absolute-filenames <"$T/add.none") 2>/dev/null
cmp -s "$T/x-add/opt/new/place/extra" "$T/extra" && ok || ko "--add to a new path"
[ "$(stat -c %a "$T/x-add/opt/new")" = 755 ] && ok || ko "made-up parents are 0755"
cmp -s "$T/x-add/etc/motd" "$T/extra" && ok || ko "--add replaces an existing file"
cmp -s "$T/x-add/srv/tree/sub/f" "$T/extradir/sub/f" && ok || ko "--add of a directory"
[ "$(stat -c %a "$T/x-add/etc/empty.d")" = 700 ] && ok || ko "explicit directory keeps its mode"
if [ $IS_ROOT = 1 ]; then
	[ "$(stat -c '%F %a %t:%T' "$T/x-add/dev/console")" = "character special file 600 5:1" ] && ok ||
		ko "--mknod: $(stat -c '%F %a %t:%T' "$T/x-add/dev/console")"
fi
bsdcpio -itv <"$T/add.none" 2>/dev/null | grep -q '^crw-------.* 5, *1 .*dev/console$' && ok ||
	ko "--mknod listed by bsdcpio"
check "--add only" "$SIGNET" initrd build --add "$R/init:init" --compress none -o "$T/only.none"
[ "$(cpio -it --quiet <"$T/only.none" 2>/dev/null)" = init ] && ok || ko "--add only holds init"

# Bad input: one line, non-zero, nothing written.
out=$T/never.cpio
refuse "missing --from directory" "$SIGNET" initrd build --from "$T/nope" -o "$out"
refuse "--from a file" "$SIGNET" initrd build --from "$R/init" -o "$out"
refuse "--add missing source" "$SIGNET" initrd build --from "$R" --add "$T/nope:x" -o "$out"
refuse "--add without DEST" "$SIGNET" initrd build --from "$R" --add "$T/extra" -o "$out"
refuse "--add escaping the root" "$SIGNET" initrd build --from "$R" --add "$T/extra:../x" -o "$out"
refuse "--add under a file" "$SIGNET" initrd build --from "$R" --add "$T/extra:init/x" -o "$out"
refuse "bad compression" "$SIGNET" initrd build --from "$R" --compress lzma -o "$out"
refuse "bad --mknod" "$SIGNET" initrd build --from "$R" --mknod dev/x:q:1:2 -o "$out"
refuse "output in a missing directory" "$SIGNET" initrd build --from "$R" -o "$T/no/dir/x"
absent "nothing written" "$out"
"$SIGNET" initrd build -o "$out" >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "nothing to archive is a usage error"
absent "nothing written" "$out"
finish
