#!/bin/bash
# signet disk build and check: LUKS2 images of an ext4 tree, built with no
# device-mapper. cryptsetup reads the header and tests every keyslot;
# luks_open.py decrypts the data segment apart from signet's C (python3-
# cryptography, from dm-crypt's documentation); e2fsck and debugfs read
# the plaintext file system back, file by file.
. "$(dirname "$0")/lib.sh"

for tool in cryptsetup e2fsck debugfs dumpe2fs mkfs.ext4 python3 sha256sum; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done
python3 -c 'import cryptography' 2>/dev/null || { echo "missing python3-cryptography" >&2; exit 1; }
OPEN="$SRCDIR/tests/suites/luks_open.py"
export TZ=UTC

mkdir -p "$T/tree/etc" "$T/tree/bin" "$T/tree/home/user" "$T/tree/empty"
echo hello >"$T/tree/etc/greeting"
head -c 1500000 /dev/urandom >"$T/tree/bin/blob"
ln -s ../etc/greeting "$T/tree/bin/link"
printf 'x=1\n' >"$T/tree/home/user/a file"
chmod 0600 "$T/tree/home/user/a file"
printf 'correct horse battery staple\n' >"$T/pass1" # a line, as typed
printf 'second passphrase' >"$T/pass2"              # no newline
printf 'not it\n' >"$T/wrongpass"
head -c 32 /dev/urandom >"$T/key1"
head -c 64 /dev/urandom >"$T/key2"
head -c 32 /dev/urandom >"$T/wrongkey"
head -c 8 /dev/urandom >"$T/shortkey"
# Passphrase keyslots with a small argon2id memory cost, for speed.
FAST=(--pbkdf-memory 1024)
U=6b1b9a04-50a6-4e0b-8f51-2d5c3f5e0a11

build() { "$SIGNET" disk build --from "$1" -o "$T/$2.img" --size 16 "${@:3}"; }
no_temps() { if ls -a "$T" | grep -q 'signet-tmp\|^\.txn$'; then ko "$1: temporary files left"; else ok; fi; }

check "disk build" build "$T/tree" one --passphrase-file "$T/pass1" --passphrase-file "$T/pass2" \
	--key-file "$T/key1" --key-file "$T/key2" --new-key-file "$T/new.key" --label data "${FAST[@]}"
cp "$T/.out" "$T/one.out"
grep -q '^keyslots: 5$' "$T/one.out" && grep -q '^data offset: 16777216$' "$T/one.out" &&
	grep -q '^sector size: 512$' "$T/one.out" && ok || ko "build output: $(cat "$T/one.out")"
FSUUID=$(awk '/^fs uuid:/ {print $3}' "$T/one.out")
[ "$(stat -c %a "$T/one.img")" = 600 ] && [ "$(stat -c %a "$T/new.key")" = 600 ] && ok || ko "image and new key are 0600"
[ "$(stat -c %s "$T/new.key")" = 32 ] && ok || ko "the new key is 32 bytes"
[ "$(stat -c %s "$T/one.img")" = $((32 * 1048576)) ] && ok || ko "image is 16 MiB of header + 16 MiB"

# The header, as cryptsetup reads it.
check "cryptsetup luksDump accepts it" cryptsetup luksDump "$T/one.img"
cp "$T/.out" "$T/dump"
grep -q '^Version:[[:space:]]*2$' "$T/dump" && grep -q '^Label:[[:space:]]*data$' "$T/dump" &&
	grep -q 'cipher: aes-xts-plain64' "$T/dump" && grep -q 'sector: 512 \[bytes\]' "$T/dump" &&
	grep -q 'offset: 16777216 \[bytes\]' "$T/dump" && grep -q 'length: (whole device)' "$T/dump" && ok ||
	ko "luksDump: version, label, cipher, sector, offset: $(head -c 600 "$T/dump")"
[ "$(grep -c '^  [0-9]*: luks2$' "$T/dump")" = 5 ] && ok || ko "five keyslots"
[ "$(grep -c 'PBKDF:[[:space:]]*argon2id' "$T/dump")" = 2 ] && [ "$(grep -c 'Memory:[[:space:]]*1024$' "$T/dump")" = 2 ] &&
	[ "$(grep -c 'Time cost:[[:space:]]*4$' "$T/dump")" = 2 ] && ok || ko "passphrase slots: argon2id, 1024 KiB, time cost 4"
[ "$(grep -c 'PBKDF:[[:space:]]*pbkdf2' "$T/dump")" = 3 ] && [ "$(grep -c 'Iterations:[[:space:]]*1000$' "$T/dump")" -ge 3 ] &&
	ok || ko "key slots: pbkdf2, 1000 iterations"
# The three key slots are tried first, the two passphrase slots after.
[ "$(grep -c 'Priority:[[:space:]]*preferred' "$T/dump")" = 3 ] &&
	[ "$(grep -c 'Priority:[[:space:]]*normal' "$T/dump")" = 2 ] && ok ||
	ko "key slots preferred: $(grep -c 'Priority:[[:space:]]*preferred' "$T/dump")"

# Every key and passphrase opens a keyslot, for cryptsetup and for signet.
for k in key1 key2 new.key; do
	check "cryptsetup accepts --key-file $k" cryptsetup open --test-passphrase --key-file "$T/$k" "$T/one.img"
	check "signet disk check accepts --key-file $k" "$SIGNET" disk check --key-file "$T/$k" "$T/one.img"
	grep -q '^keyslot [2-4]$' "$T/.out" && ok || ko "$k opens keyslot 2 to 4: $(cat "$T/.out")"
done
check "cryptsetup accepts the passphrase typed (pass1's line)" sh -c 'cryptsetup open --test-passphrase "$1" <"$2"' - "$T/one.img" "$T/pass1"
check "cryptsetup accepts pass2 as a key file (no newline)" cryptsetup open --test-passphrase --key-file "$T/pass2" "$T/one.img"
if cryptsetup open --test-passphrase --key-file "$T/pass1" "$T/one.img" 2>/dev/null; then
	ko "pass1 with its newline is not the passphrase"
else ok; fi
for p in pass1 pass2; do
	check "signet disk check accepts --passphrase-file $p" "$SIGNET" disk check --passphrase-file "$T/$p" "$T/one.img"
	grep -q '^keyslot [01]$' "$T/.out" && ok || ko "$p opens keyslot 0 or 1"
done
for k in wrongkey pass1; do
	if cryptsetup open --test-passphrase --key-file "$T/$k" "$T/one.img" 2>/dev/null; then ko "cryptsetup refuses $k"; else ok; fi
	refuse "signet disk check refuses --key-file $k" "$SIGNET" disk check --key-file "$T/$k" "$T/one.img"
done
if cryptsetup open --test-passphrase "$T/one.img" <"$T/wrongpass" 2>/dev/null; then ko "cryptsetup refuses a wrong passphrase"; else ok; fi
refuse "signet disk check refuses a wrong passphrase" "$SIGNET" disk check --passphrase-file "$T/wrongpass" "$T/one.img"
grep -q 'no keyslot opens with' "$T/.err" && ok || ko "the refusal says so: $(cat "$T/.err")"
refuse "signet disk check: not a LUKS2 image" "$SIGNET" disk check --key-file "$T/key1" "$T/key2"
refuse "signet disk check: a missing image" "$SIGNET" disk check --key-file "$T/key1" "$T/nope.img"
refuse "signet disk check: a missing key file" "$SIGNET" disk check --key-file "$T/nope" "$T/one.img"

# The data segment, decrypted with the volume key cryptsetup dumps, is
# the ext4 file system of the tree.
check "luks_open.py decrypts the data segment" python3 "$OPEN" "$T/key1" "$T/one.img" "$T/one.plain"
grep -q '^offset 16777216 sector 512 bytes 16777216$' "$T/.out" && ok || ko "decrypted: $(cat "$T/.out")"
check "e2fsck -fn accepts the plaintext" e2fsck -fn "$T/one.plain"
for f in etc/greeting bin/blob "home/user/a file"; do
	debugfs -R "cat \"/$f\"" "$T/one.plain" 2>/dev/null >"$T/got"
	[ "$(sha256sum <"$T/got")" = "$(sha256sum <"$T/tree/$f")" ] && ok || ko "debugfs cat /$f: not the file's bytes"
done
debugfs -R 'stat /bin/link' "$T/one.plain" 2>/dev/null >"$T/stat"
grep -q 'Type: symlink' "$T/stat" && grep -q 'Fast link dest: "../etc/greeting"' "$T/stat" && ok || ko "symlink: $(head -c 300 "$T/stat")"
debugfs -R 'stat "/home/user/a file"' "$T/one.plain" 2>/dev/null >"$T/stat"
grep -q 'Mode:  0600' "$T/stat" && grep -q 'mtime: 0x00000001:00000000' "$T/stat" &&
	grep -q 'crtime: 0x00000001:00000000' "$T/stat" && ok || ko "mode kept, times pinned to 1: $(head -c 400 "$T/stat")"
debugfs -R 'ls /empty' "$T/one.plain" >/dev/null 2>&1 && ok || ko "the empty directory is there"
dumpe2fs -h "$T/one.plain" 2>/dev/null >"$T/sb"
grep -q "^Filesystem UUID:[[:space:]]*$FSUUID$" "$T/sb" && grep -q '^Filesystem volume name:[[:space:]]*data$' "$T/sb" &&
	grep -q '^Filesystem created:[[:space:]]*Thu Jan  1 00:00:01 1970$' "$T/sb" && grep -q 'has_journal' "$T/sb" && ok ||
	ko "superblock: UUID, label, time, journal: $(grep -E 'UUID|name|created|features' "$T/sb")"

# Reproducible: the same UUID and tree give the same plaintext, from a
# copy with other times and 4096-byte sectors too (their IVs still count
# 512-byte sectors); the volume key, so the ciphertext, is new each time.
check "build with --uuid" build "$T/tree" u1 --uuid "$U" --key-file "$T/key1"
check "decrypt it" python3 "$OPEN" "$T/key1" "$T/u1.img" "$T/u1.plain"
check "the same again" build "$T/tree" u2 --uuid "$U" --key-file "$T/key1"
check "decrypt it" python3 "$OPEN" "$T/key1" "$T/u2.img" "$T/u2.plain"
same "same UUID, same tree: same plaintext" "$T/u1.plain" "$T/u2.plain"
if cmp -s "$T/u1.img" "$T/u2.img"; then ko "the volume key is fresh each time"; else ok; fi
cp -a "$T/tree" "$T/tree2"
touch -h -d '2001-02-03 04:05:06' "$T/tree2/etc/greeting" "$T/tree2/bin/link" "$T/tree2/bin" "$T/tree2"
check "build a copy with 4096-byte sectors" build "$T/tree2/" u3 --uuid "$U" --key-file "$T/key1" --sector-size 4096
grep -q '^sector size: 4096$' "$T/.out" && ok || ko "sector size 4096 reported"
cryptsetup luksDump "$T/u3.img" | grep -q 'sector: 4096 \[bytes\]' && ok || ko "luksDump: 4096-byte sectors"
check "decrypt it" python3 "$OPEN" "$T/key1" "$T/u3.img" "$T/u3.plain"
grep -q 'sector 4096' "$T/.out" && ok || ko "decrypted with 4096-byte sectors"
same "a copy, other times, 4096-byte sectors: same plaintext" "$T/u1.plain" "$T/u3.plain"
check "e2fsck -fn accepts it" e2fsck -fn "$T/u3.plain"
check "another UUID" build "$T/tree" u4 --key-file "$T/key1"
check "decrypt it" python3 "$OPEN" "$T/key1" "$T/u4.img" "$T/u4.plain"
if cmp -s "$T/u1.plain" "$T/u4.plain"; then ko "another UUID gives another file system"; else ok; fi
check "SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=1700000000 "$SIGNET" disk build --from "$T/tree" -o "$T/sde.img" --size 16 --key-file "$T/key1"
python3 "$OPEN" "$T/key1" "$T/sde.img" "$T/sde.plain" >/dev/null &&
	debugfs -R 'stat /etc/greeting' "$T/sde.plain" 2>/dev/null | grep -q 'mtime: 0x6553f100' &&
	dumpe2fs -h "$T/sde.plain" 2>/dev/null | grep -q '^Filesystem created:.*Nov 14 22:13:20 2023' && ok ||
	ko "SOURCE_DATE_EPOCH sets inode and superblock times"
check "a new key alone, argon2id defaults untouched by it" build "$T/tree" newonly --new-key-file "$T/only.key"
check "it opens with that key" cryptsetup open --test-passphrase --key-file "$T/only.key" "$T/newonly.img"
check "pbkdf2 passphrase slot" build "$T/tree" p2 --passphrase-file "$T/pass2" --pbkdf pbkdf2 --pbkdf-iterations 2000
cryptsetup luksDump "$T/p2.img" | grep -q 'Iterations:[[:space:]]*2000$' && ok || ko "--pbkdf-iterations 2000 used"
check "it opens" "$SIGNET" disk check --passphrase-file "$T/pass2" "$T/p2.img"
no_temps "after the builds"

# Bad input: one line, exit 1, nothing written (no image, no key, no temp).
sha=$(sha256sum <"$T/one.img")
refuse "the image exists" build "$T/tree" one --key-file "$T/key1"
[ "$(sha256sum <"$T/one.img")" = "$sha" ] && ok || ko "an existing image is left alone"
grep -q 'one.img: already exists.*--force' "$T/.err" && ok || ko "says why: $(cat "$T/.err")"
refuse "the new key file exists" build "$T/tree" bad1 --new-key-file "$T/key2"
absent "no image when the key file exists" "$T/bad1.img"
mkdir -p "$T/elsewhere"
refuse "the new key in another directory than the image" build "$T/tree" bad14 --key-file "$T/key1" \
	--new-key-file "$T/elsewhere/x.key"
grep -q "must be in the image's directory" "$T/.err" && ok || ko "says why: $(cat "$T/.err")"
absent "no image when the key is elsewhere" "$T/bad14.img"
absent "no key elsewhere" "$T/elsewhere/x.key"
check "--force replaces it" build "$T/tree" one --key-file "$T/key2" --force
[ "$(sha256sum <"$T/one.img")" != "$sha" ] && ok || ko "--force wrote a new image"
check "the new image opens with key2" "$SIGNET" disk check --key-file "$T/key2" "$T/one.img"
refuse "--from a missing directory" build "$T/nope" bad2 --key-file "$T/key1"
refuse "--from a file" build "$T/tree/etc/greeting" bad3 --key-file "$T/key1"
mkdir -p "$T/big"
head -c 9000000 /dev/urandom >"$T/big/f"
refuse "a tree too large for --size" "$SIGNET" disk build --from "$T/big" -o "$T/bad4.img" --size 8 --key-file "$T/key1" --new-key-file "$T/bad4.key"
grep -q 'big: does not fit in a 8 MiB file system (--size)' "$T/.err" && ok || ko "says it does not fit: $(cat "$T/.err")"
absent "no key file when the image failed" "$T/bad4.key"
refuse "an output in a missing directory" "$SIGNET" disk build --from "$T/tree" -o "$T/no/such/x.img" --key-file "$T/key1"
refuse "an output where nothing may be written" "$SIGNET" disk build --from "$T/tree" -o /proc/signet-disk.img --key-file "$T/key1"
refuse "an output that is a directory" "$SIGNET" disk build --from "$T/tree" -o "$T/tree" --key-file "$T/key1"
refuse "a bad UUID" build "$T/tree" bad5 --uuid 1234 --key-file "$T/key1"
refuse "no passphrase or key" build "$T/tree" bad6
refuse "a key file too short for the minimal KDF" build "$T/tree" bad7 --key-file "$T/shortkey"
refuse "a missing key file" build "$T/tree" bad8 --key-file "$T/nope"
refuse "a missing passphrase file" build "$T/tree" bad9 --passphrase-file "$T/nope"
refuse "--size under 8 MiB" build "$T/tree" bad10 --key-file "$T/key1" --size 7
refuse "--sector-size 1024" build "$T/tree" bad11 --key-file "$T/key1" --sector-size 1024
refuse "a label over 16 characters" build "$T/tree" bad12 --key-file "$T/key1" --label 0123456789abcdefg
refuse "--pbkdf scrypt" build "$T/tree" bad13 --passphrase-file "$T/pass1" --pbkdf scrypt
refuse "--pbkdf-memory with pbkdf2" build "$T/tree" bad14 --passphrase-file "$T/pass1" --pbkdf pbkdf2 --pbkdf-memory 1024
refuse "--pbkdf-iterations with --iter-time" build "$T/tree" bad15 --passphrase-file "$T/pass1" --pbkdf-iterations 4 --iter-time 100
mkdir -p "$T/nl"
touch "$T/nl/a
b"
refuse "a name with a newline" build "$T/nl" bad16 --key-file "$T/key1"
for n in $(seq 2 16); do absent "nothing written (bad$n)" "$T/bad$n.img"; done
no_temps "after the failures"

# Usage errors: exit 2.
for args in "" "build" "build --from $T/tree" "build -o $T/u.img --key-file $T/key1" \
	"build --from $T/tree -o $T/u.img --size abc --key-file $T/key1" "build --from $T/tree -o $T/u.img --bogus" \
	"build --from $T/tree -o $T/u.img --key-file $T/key1 extra" "check $T/one.img" \
	"check --key-file $T/key1 --passphrase-file $T/pass1 $T/one.img" "check --key-file $T/key1" "frobnicate"; do
	# shellcheck disable=SC2086
	"$SIGNET" disk $args >/dev/null 2>&1
	[ $? -eq 2 ] && ok || ko "usage error (exit 2) for: disk $args"
done
absent "nothing written on usage errors" "$T/u.img"
check "disk build --help" "$SIGNET" disk build --help
grep -q '^Usage: signet disk build' "$T/.out" && ok || ko "build help starts with Usage:"
check "disk check --help" "$SIGNET" disk check --help
check "disk --help" "$SIGNET" disk --help
grep -q 'build' "$T/.out" && grep -q 'check' "$T/.out" && ok || ko "disk --help lists build and check"
finish
