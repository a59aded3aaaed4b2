#!/bin/bash
# signet verity against veritysetup (cryptsetup-bin) and openssl: the hash
# files must be byte-identical to veritysetup's for the same salt and UUID,
# each tool must accept the other's trees and catch a flipped byte, and the
# root hash signature must be what `openssl smime -sign -noattr -nocerts`
# makes (the form the kernel and systemd check).
. "$(dirname "$0")/lib.sh"

VS=$(command -v veritysetup || echo /usr/sbin/veritysetup)
[ -x "$VS" ] || { echo "veritysetup not found (apt install cryptsetup-bin)" >&2; exit 1; }

SALT=5a17c0ffee5a17c0ffee5a17c0ffee5a17c0ffee5a17c0ffee5a17c0ffee0001
UUID=0b5e55ed-1234-4abc-8def-0123456789ab

# mkdata FILE BYTES: deterministic pseudo-random data, fast (AES-CTR).
mkdata() {
	head -c "$2" /dev/zero |
		openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
			-iv 00000000000000000000000000000000 >"$1"
}

# flip FILE OFFSET: xor one byte with 0x01 (twice restores it).
flip() {
	local b
	b=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

root_of() { awk -F'\t' '/^Root hash:/ {print $2}' "$1"; }

# compare NAME DATA ARGS...: veritysetup and signet format with the same
# parameters; same hash file, same report (bar the file name line).
compare() {
	local name=$1 data=$2; shift 2
	rm -f "$T/vs.hash" "$T/sg.hash"
	if ! "$VS" format "$data" "$T/vs.hash" "$@" >"$T/vs.out" 2>"$T/vs.err"; then
		ko "$name: veritysetup format failed: $(cat "$T/vs.err")"
		return 1
	fi
	check "$name: signet format" "$SIGNET" verity format "$data" "$T/sg.hash" "$@"
	cp "$T/.out" "$T/sg.out"
	same "$name: hash file" "$T/vs.hash" "$T/sg.hash"
	if diff <(sed 1d "$T/vs.out") <(sed 1d "$T/sg.out") >/dev/null; then ok; else
		ko "$name: report differs: $(diff <(sed 1d "$T/vs.out") <(sed 1d "$T/sg.out") | head -4)"
	fi
	ROOT=$(root_of "$T/sg.out")
	[ -n "$ROOT" ] && [ "$ROOT" = "$(root_of "$T/vs.out")" ] && ok || ko "$name: root hash"
}

# both_verify NAME DATA ARGS...: veritysetup and signet accept signet's tree.
both_verify() {
	local name=$1 data=$2; shift 2
	check "$name: veritysetup verify accepts signet's tree" \
		"$VS" verify "$data" "$T/sg.hash" "$ROOT" "$@"
	check "$name: signet verify accepts" "$SIGNET" verity verify "$@" "$data" "$T/sg.hash" "$ROOT"
}

# both_reject NAME DATA ARGS...: both tools refuse.
both_reject() {
	local name=$1 data=$2; shift 2
	if "$VS" verify "$data" "$T/sg.hash" "$ROOT" "$@" >/dev/null 2>&1; then
		ko "$name: veritysetup verify accepted"
	else ok; fi
	refuse "$name: signet verify refuses" "$SIGNET" verity verify "$@" "$data" "$T/sg.hash" "$ROOT"
}

# The sizes the issue names. Each: identical file, both verify, a flipped
# data byte (first, middle and last block) caught by both.
for spec in 4096:4k 16384:16k $((1048576 + 12288)):1m12k $((64 << 20)):64m \
	$(((512 << 20) + 4096)):512m4k; do
	size=${spec%%:*} name=${spec#*:}
	mkdata "$T/data" "$size"
	compare "$name" "$T/data" --salt "$SALT" --uuid "$UUID"
	both_verify "$name" "$T/data"
	for off in 0 $((size / 2 + 17)) $((size - 1)); do
		flip "$T/data" "$off"
		both_reject "$name byte $off flipped" "$T/data"
		grep -q "data block $((off / 4096)) " "$T/.err" && ok ||
			ko "$name: signet names data block $((off / 4096)): $(cat "$T/.err")"
		flip "$T/data" "$off"
	done
	[ "$name" = 512m4k ] && break
	rm -f "$T/data" "$T/vs.hash"
done
# Same tree with one thread as with all of them.
mv "$T/sg.hash" "$T/big.hash"
check "512m4k: one thread" "$SIGNET" verity format --threads 1 "$T/data" "$T/sg.hash" \
	--salt "$SALT" --uuid "$UUID"
same "512m4k: one thread gives the same tree" "$T/big.hash" "$T/sg.hash"
rm -f "$T/data" "$T/big.hash" "$T/sg.hash" "$T/vs.hash"

# Other layouts on 1 MiB + 12 KiB.
mkdata "$T/data" $((1048576 + 12288))
i=0
while read -r args; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	compare "layout $i ($args)" "$T/data" --salt "$SALT" $args
	case $args in *--no-superblock*)
		# shellcheck disable=SC2086
		set -- --salt "$SALT" ${args/--uuid $UUID/} ;;
	*) set -- ;;
	esac
	both_verify "layout $i" "$T/data" "$@"
	flip "$T/data" 777777
	both_reject "layout $i flipped" "$T/data" "$@"
	flip "$T/data" 777777
done <<EOF
--uuid $UUID --no-superblock
--uuid $UUID --data-block-size 1024 --hash-block-size 512
--uuid $UUID --data-block-size 512 --hash-block-size 4096
--uuid $UUID --hash-block-size 65536
--uuid $UUID --data-block-size 8192 --hash-block-size 1024
--no-superblock --hash-block-size 1024
--uuid $UUID --format 0
--uuid $UUID --hash sha512
--uuid $UUID --hash sha1
EOF
# Without salt ('-'), and the root hash file veritysetup writes.
compare "no salt" "$T/data" --salt - --uuid "$UUID"
rm -f "$T/vs.root" "$T/sg.root"
"$VS" format "$T/data" "$T/vs.hash" --salt "$SALT" --uuid "$UUID" --root-hash-file "$T/vs.root" >/dev/null
check "root hash file" "$SIGNET" verity format "$T/data" "$T/sg.hash" --salt "$SALT" --uuid "$UUID" \
	--root-hash-file "$T/sg.root"
same "root hash file as veritysetup's" "$T/vs.root" "$T/sg.root"

# Random salt and UUID: a fresh pair each time, and veritysetup reads them.
check "random salt" "$SIGNET" verity format "$T/data" "$T/r1.hash"
ROOT=$(root_of "$T/.out")
grep -qE '^Salt:[[:space:]]+[0-9a-f]{64}$' "$T/.out" && ok || ko "random salt is 32 bytes"
check "random salt again" "$SIGNET" verity format "$T/data" "$T/r2.hash"
cmp -s "$T/r1.hash" "$T/r2.hash" && ko "two random salts gave the same tree" || ok
check "veritysetup verify, random salt" "$VS" verify "$T/data" "$T/r1.hash" "$ROOT"
"$VS" dump "$T/r1.hash" >"$T/dump" 2>&1 && ok || ko "veritysetup dump"
grep -qE '^UUID:[[:space:]]+[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab]' "$T/dump" && ok ||
	ko "random UUID is version 4: $(grep UUID "$T/dump")"

# A size that is not a multiple of the block size: veritysetup covers the
# whole blocks only; so do we, and we say so.
mkdata "$T/odd" 20000
compare "20000 bytes" "$T/odd" --salt "$SALT" --uuid "$UUID"
"$SIGNET" verity format "$T/odd" "$T/odd.hash" --salt "$SALT" 2>"$T/warn" >/dev/null
grep -q "3616 bytes" "$T/warn" && ok || ko "partial block warning: $(cat "$T/warn")"

# A tree block or padding changed in the hash file: both refuse.
compare "tree" "$T/data" --salt "$SALT" --uuid "$UUID" --data-block-size 512 --hash-block-size 512
flip "$T/sg.hash" $((512 + 5))
both_reject "top tree block changed" "$T/data"
flip "$T/sg.hash" $((512 + 5))
flip "$T/sg.hash" $((512 * 10 + 511))
both_reject "tree padding changed" "$T/data"
grep -q "padding" "$T/.err" && ok || ko "names the padding: $(cat "$T/.err")"
flip "$T/sg.hash" $((512 * 10 + 511))
both_verify "tree restored" "$T/data"
refuse "wrong root hash" "$SIGNET" verity verify "$T/data" "$T/sg.hash" "${ROOT:0:63}$(printf %x $(((0x${ROOT:63} + 1) % 16)))"

# Bad input: one line, non-zero, nothing written.
out=$T/never.hash
refuse "missing data file" "$SIGNET" verity format "$T/nope" "$out"
absent "missing data file" "$out"
refuse "bad salt hex" "$SIGNET" verity format --salt zz "$T/data" "$out"
refuse "odd salt hex" "$SIGNET" verity format --salt abc "$T/data" "$out"
refuse "salt too long" "$SIGNET" verity format --salt "$(printf 'ab%.0s' $(seq 257))" "$T/data" "$out"
refuse "bad block size" "$SIGNET" verity format --data-block-size 1000 "$T/data" "$out"
refuse "small block size" "$SIGNET" verity format --hash-block-size 256 "$T/data" "$out"
refuse "huge block size" "$SIGNET" verity format --data-block-size 1048576 "$T/data" "$out"
refuse "bad uuid" "$SIGNET" verity format --uuid 1234 "$T/data" "$out"
refuse "unknown hash" "$SIGNET" verity format --hash nohash "$T/data" "$out"
head -c 100 /dev/zero >"$T/tiny"
refuse "data smaller than a block" "$SIGNET" verity format "$T/tiny" "$out"
cp "$T/data" "$T/data.copy"
refuse "hash file is the data file" "$SIGNET" verity format "$T/data.copy" "$T/data.copy"
same "data file untouched" "$T/data" "$T/data.copy"
refuse "hash file in a missing directory" "$SIGNET" verity format "$T/data" "$T/no/dir/h"
absent "nothing written" "$out"
"$SIGNET" verity format --bogus "$T/data" "$out" >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "unknown option exits 2"
absent "nothing written after usage error" "$out"

# Corrupt superblocks.
"$SIGNET" verity format "$T/data" "$T/sb.hash" --salt "$SALT" --uuid "$UUID" >"$T/sb.out"
ROOT=$(root_of "$T/sb.out")
corrupt() { # NAME OFFSET HEXBYTES
	cp "$T/sb.hash" "$T/bad.hash"
	printf "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$T/bad.hash" bs=1 seek="$2" conv=notrunc 2>/dev/null
	refuse "superblock: $1" "$SIGNET" verity verify "$T/data" "$T/bad.hash" "$ROOT"
	grep -q "superblock" "$T/.err" && ok || ko "superblock: $1: message: $(cat "$T/.err")"
}
corrupt "signature" 0 77
corrupt "version 2" 8 02
corrupt "hash type 7" 12 07
corrupt "algorithm" 32 7a7a
corrupt "data block size 1000" 64 e803
corrupt "hash block size 0" 68 00000000
corrupt "salt size 300" 80 2c01
corrupt "no data blocks" 72 0000000000000000
head -c 300 "$T/sb.hash" >"$T/short.hash"
refuse "short hash file" "$SIGNET" verity verify "$T/data" "$T/short.hash" "$ROOT"
cp "$T/sb.hash" "$T/trunc.hash"
truncate -s 8192 "$T/trunc.hash"
refuse "truncated tree" "$SIGNET" verity verify "$T/data" "$T/trunc.hash" "$ROOT"
refuse "bad root hash hex" "$SIGNET" verity verify "$T/data" "$T/sb.hash" xyz
refuse "root hash of the wrong length" "$SIGNET" verity verify "$T/data" "$T/sb.hash" abcd
check "intact superblock verifies" "$SIGNET" verity verify "$T/data" "$T/sb.hash" "$ROOT"

# Root hash signatures: the same bytes as openssl smime (RSA PKCS#1 v1.5
# is deterministic), accepted by openssl cms -verify, refused when the
# root hash or the signer differs.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/c.pem" \
	-subj /CN=verity-test -days 30 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k2.pem" -out "$T/c2.pem" \
	-subj /CN=other -days 30 2>/dev/null
printf %s "$ROOT" >"$T/root.txt"
check "sign" "$SIGNET" verity sign --key "$T/k.pem" --cert "$T/c.pem" --root-hash "$ROOT" -o "$T/sig.p7s"
openssl smime -sign -nocerts -noattr -binary -in "$T/root.txt" -inkey "$T/k.pem" \
	-signer "$T/c.pem" -outform DER -out "$T/ref.p7s"
same "signature as openssl smime -sign -noattr -nocerts" "$T/sig.p7s" "$T/ref.p7s"
check "openssl cms -verify accepts" openssl cms -verify -binary -inform DER -in "$T/sig.p7s" \
	-content "$T/root.txt" -certfile "$T/c.pem" -nointern -noverify -out /dev/null
check "openssl smime -verify accepts" openssl smime -verify -binary -inform DER -in "$T/sig.p7s" \
	-content "$T/root.txt" -certfile "$T/c.pem" -nointern -noverify -out /dev/null
check "uppercase root hash signs the lowercase string" "$SIGNET" verity sign --key "$T/k.pem" \
	--cert "$T/c.pem" --root-hash "${ROOT^^}" -o "$T/sig2.p7s"
same "uppercase input, same signature" "$T/sig.p7s" "$T/sig2.p7s"
check "verify-sig" "$SIGNET" verity verify-sig --cert "$T/c.pem" --root-hash "$ROOT" "$T/sig.p7s"
check "verify-sig of openssl's" "$SIGNET" verity verify-sig --cert "$T/c.pem" --root-hash-file "$T/root.txt" "$T/ref.p7s"
BAD=${ROOT:0:10}$(printf %x $(((0x${ROOT:10:1} + 1) % 16)))${ROOT:11}
printf %s "$BAD" >"$T/bad.txt"
if openssl cms -verify -binary -inform DER -in "$T/sig.p7s" -content "$T/bad.txt" \
	-certfile "$T/c.pem" -nointern -noverify -out /dev/null >/dev/null 2>&1; then
	ko "openssl accepted a flipped root hash"
else ok; fi
refuse "verify-sig: flipped root hash" "$SIGNET" verity verify-sig --cert "$T/c.pem" --root-hash "$BAD" "$T/sig.p7s"
refuse "verify-sig: other signer" "$SIGNET" verity verify-sig --cert "$T/c2.pem" --root-hash "$ROOT" "$T/sig.p7s"
cp "$T/sig.p7s" "$T/flip.p7s"
flip "$T/flip.p7s" $(($(stat -c %s "$T/flip.p7s") - 3))
refuse "verify-sig: flipped signature byte" "$SIGNET" verity verify-sig --cert "$T/c.pem" --root-hash "$ROOT" "$T/flip.p7s"
refuse "verify-sig: not PKCS#7" "$SIGNET" verity verify-sig --cert "$T/c.pem" --root-hash "$ROOT" "$T/root.txt"
# A PEM with an encryption header (signet-init reads the signature from
# the ESP) is refused without asking for a pass phrase on the terminal.
printf -- '-----BEGIN PKCS7-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAAAAAAAAAAAAAAAAAAAA==\n-----END PKCS7-----\n' >"$T/enc.p7s"
echo secret | refuse "verify-sig: encrypted PEM" "$SIGNET" verity verify-sig --cert "$T/c.pem" --root-hash "$ROOT" "$T/enc.p7s"
if grep -qi 'pass phrase' "$T/.err"; then ko "verify-sig asked for a PEM pass phrase"; else ok; fi
refuse "sign: key of another certificate" "$SIGNET" verity sign --key "$T/k2.pem" --cert "$T/c.pem" \
	--root-hash "$ROOT" -o "$T/x.p7s"
absent "no signature written" "$T/x.p7s"
refuse "sign: bad root hash" "$SIGNET" verity sign --key "$T/k.pem" --cert "$T/c.pem" --root-hash "xy" -o "$T/x.p7s"
refuse "sign: missing key" "$SIGNET" verity sign --key "$T/none.pem" --cert "$T/c.pem" --root-hash "$ROOT" -o "$T/x.p7s"
absent "no signature written" "$T/x.p7s"
finish
