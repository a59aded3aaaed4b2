#!/bin/bash
# signet sb: Secure Boot keys against efitools, Authenticode against
# sbsigntools (sbsign, sbverify, sbattach) on systemd's EFI binaries.
. "$(dirname "$0")/lib.sh"

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
BOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
for tool in sbsign sbverify sbattach cert-to-efi-sig-list sign-efi-sig-list sig-list-to-certs openssl; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done
[ -r "$STUB" ] && [ -r "$BOOT" ] || { echo "missing systemd-boot-efi" >&2; exit 1; }

K=$T/keys
TS=2025-01-02T03:04:05Z
EFITS="2025-01-02 03:04:05"

# --- keygen -----------------------------------------------------------
check "keygen" "$SIGNET" sb keygen --dir "$K" --cn "signet test" --timestamp $TS
for v in PK KEK db; do
	for ext in key crt cer esl auth; do
		[ -s "$K/$v.$ext" ] && ok || ko "keygen wrote $v.$ext"
	done
	[ "$(stat -c %a "$K/$v.key")" = 600 ] && ok || ko "$v.key is mode 0600"
	openssl x509 -in "$K/$v.crt" -noout -subject | grep -q "signet test $v" && ok ||
		ko "$v.crt has CN 'signet test $v'"
	openssl x509 -inform DER -in "$K/$v.cer" -out "$T/$v.pem" && ok || ko "$v.cer is DER"
	cmp -s "$T/$v.pem" "$K/$v.crt" && ok || ko "$v.cer and $v.crt hold the same certificate"
	openssl rsa -in "$K/$v.key" -noout -text 2>/dev/null | grep -q "Private-Key: (2048 bit" &&
		ok || ko "$v.key is RSA-2048 by default"
done
GUID=$(cat "$K/GUID")
[[ $GUID =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] && ok ||
	ko "GUID file holds a v4 GUID: $GUID"

# .esl byte-identical to cert-to-efi-sig-list's with the same owner GUID,
# and sig-list-to-certs gets the DER certificate back out.
for v in PK KEK db; do
	cert-to-efi-sig-list -g "$GUID" "$K/$v.crt" "$T/efitools-$v.esl" >/dev/null
	same "$v.esl equals cert-to-efi-sig-list" "$K/$v.esl" "$T/efitools-$v.esl"
	(cd "$T" && sig-list-to-certs "$K/$v.esl" "sl-$v" >/dev/null)
	same "sig-list-to-certs recovers $v.cer" "$T/sl-$v-0.der" "$K/$v.cer"
done
# .auth byte-identical to sign-efi-sig-list's: PK by PK, KEK by PK, db by KEK.
sign-efi-sig-list -t "$EFITS" -k "$K/PK.key" -c "$K/PK.crt" PK "$K/PK.esl" "$T/e-PK.auth" >/dev/null
sign-efi-sig-list -t "$EFITS" -k "$K/PK.key" -c "$K/PK.crt" KEK "$K/KEK.esl" "$T/e-KEK.auth" >/dev/null
sign-efi-sig-list -t "$EFITS" -k "$K/KEK.key" -c "$K/KEK.crt" db "$K/db.esl" "$T/e-db.auth" >/dev/null
for v in PK KEK db; do
	same "$v.auth equals sign-efi-sig-list" "$K/$v.auth" "$T/e-$v.auth"
done
# The .auth signature is the signer's: a db update signed by PK differs.
sign-efi-sig-list -t "$EFITS" -k "$K/PK.key" -c "$K/PK.crt" db "$K/db.esl" "$T/wrong-db.auth" >/dev/null
cmp -s "$K/db.auth" "$T/wrong-db.auth" && ko "db.auth is signed by KEK, not PK" || ok

# Determinism: same keys and timestamp, same bytes; another timestamp, not.
cp "$K/db.auth" "$K/KEK.esl" "$T/"
check "keygen --reuse-keys" "$SIGNET" sb keygen --dir "$K" --timestamp $TS --reuse-keys
same "db.auth reproducible" "$T/db.auth" "$K/db.auth"
same "KEK.esl reproducible" "$T/KEK.esl" "$K/KEK.esl"
check "keygen --reuse-keys, other time" "$SIGNET" sb keygen --dir "$K" --timestamp 2025-01-02T03:04:06Z --reuse-keys
cmp -s "$T/db.auth" "$K/db.auth" && ko "timestamp changes db.auth" || ok
"$SIGNET" sb keygen --dir "$K" --timestamp $TS --reuse-keys >/dev/null 2>&1

check "keygen rsa3072 with owner GUID" "$SIGNET" sb keygen --dir "$T/k3" --alg rsa3072 --days 30 \
	--owner-guid 11111111-2222-3333-4444-555555555555
openssl rsa -in "$T/k3/db.key" -noout -text 2>/dev/null | grep -q "(3072 bit" && ok || ko "--alg rsa3072"
[ "$(cat "$T/k3/GUID")" = 11111111-2222-3333-4444-555555555555 ] && ok || ko "--owner-guid saved"
cert-to-efi-sig-list -g 11111111-2222-3333-4444-555555555555 "$T/k3/KEK.crt" "$T/k3.esl" >/dev/null
same "--owner-guid in the .esl" "$T/k3/KEK.esl" "$T/k3.esl"

# A failure half-way (KEK.key is not KEK.crt's, found when signing db)
# leaves the directory exactly as it was.
cp -r "$K" "$T/kmix"
cp "$T/kmix/PK.key" "$T/kmix/KEK.key"
ls -la --time-style=+%s.%N "$T/kmix" | grep -v ' \.\.*$' >"$T/kmix.before"
refuse "keygen --reuse-keys with a mismatched KEK key" "$SIGNET" sb keygen --dir "$T/kmix" --timestamp 2030-01-01T00:00:00Z --reuse-keys
ls -la --time-style=+%s.%N "$T/kmix" | grep -v ' \.\.*$' >"$T/kmix.after"
grep -q "KEK.key does not match" "$T/.err" && ok || ko "mismatch error names the files: $(cat "$T/.err")"
same "failed keygen leaves the directory untouched" "$T/kmix.before" "$T/kmix.after"
same "failed keygen leaves PK.auth as it was" "$K/PK.auth" "$T/kmix/PK.auth"

refuse "keygen bad timestamp" "$SIGNET" sb keygen --dir "$T/kbad" --timestamp 2025-13-01T00:00:00Z
absent "bad timestamp writes nothing" "$T/kbad"
refuse "keygen bad GUID" "$SIGNET" sb keygen --dir "$T/kbad2" --owner-guid nope
"$SIGNET" sb keygen --dir "$T/kbad" --alg dsa >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "keygen --alg dsa is a usage error"

# --- Authenticode ------------------------------------------------------
cp "$STUB" "$T/stub.efi"
check "sign stub" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" --deterministic -o "$T/ours.efi" "$T/stub.efi"
check "sbverify accepts our signed stub" sbverify --cert "$K/db.crt" "$T/ours.efi"
check "our verify accepts it" "$SIGNET" sb verify --cert "$K/db.crt" "$T/ours.efi"
OURHASH=$(awk '/^image hash:/ {print $3}' "$T/.out")
check "sbverify rejects it against KEK.crt" bash -c "! sbverify --cert '$K/KEK.crt' '$T/ours.efi'"
refuse "our verify rejects it against KEK.crt" "$SIGNET" sb verify --cert "$K/KEK.crt" "$T/ours.efi"

# Layout and checksum as sbsign's: sbattach re-attaching our signature to
# the original image rebuilds our file byte for byte.
check "sbattach --detach" sbattach --detach "$T/ours.sig" "$T/ours.efi"
cp "$STUB" "$T/reattached.efi"
check "sbattach --attach" sbattach --attach "$T/ours.sig" "$T/reattached.efi"
same "sbattach rebuilds our signed image" "$T/reattached.efi" "$T/ours.efi"

# sbsign's own signature: same image hash, and we verify it.
check "sbsign" sbsign --key "$K/db.key" --cert "$K/db.crt" --output "$T/theirs.efi" "$T/stub.efi"
check "our verify accepts sbsign's" "$SIGNET" sb verify --cert "$K/db.crt" "$T/theirs.efi"
THEIRHASH=$(awk '/^image hash:/ {print $3}' "$T/.out")
sbattach --detach "$T/theirs.sig" "$T/theirs.efi" >/dev/null 2>&1
SIGNED=$(openssl asn1parse -inform DER -in "$T/theirs.sig" | awk -F: '/OCTET STRING.*HEX DUMP/ {print tolower($NF); exit}')
[ -n "$OURHASH" ] && [ "$OURHASH" = "$THEIRHASH" ] && ok || ko "image hash: ours $OURHASH, of sbsign's image $THEIRHASH"
[ "$SIGNED" = "$OURHASH" ] && ok || ko "hash sbsign signed ($SIGNED) equals ours ($OURHASH)"
openssl asn1parse -inform DER -in "$T/theirs.sig" | grep -q signingTime && ok || ko "sbsign emits signingTime"
sbattach --detach "$T/ours.sig" "$T/ours.efi" >/dev/null 2>&1
openssl asn1parse -inform DER -in "$T/ours.sig" | grep -q signingTime && ko "--deterministic leaves out signingTime" || ok

check "sign again" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" --deterministic -o "$T/ours2.efi" "$T/stub.efi"
same "--deterministic twice gives the same bytes" "$T/ours.efi" "$T/ours2.efi"
check "sign with signingTime" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" -o "$T/timed.efi" "$T/stub.efi"
check "sbverify accepts the timed signature" sbverify --cert "$K/db.crt" "$T/timed.efi"
sbattach --detach "$T/timed.sig" "$T/timed.efi" >/dev/null 2>&1
openssl asn1parse -inform DER -in "$T/timed.sig" | grep -q signingTime && ok || ko "default signature has signingTime"

# One flipped byte, in a section and in the headers: both tools refuse.
for off in 5000 70; do
	cp "$T/ours.efi" "$T/flip.efi"
	printf "$(printf '\\%03o' $(( ($(od -An -tu1 -j$off -N1 "$T/flip.efi") ^ 1) )))" |
		dd of="$T/flip.efi" bs=1 seek=$off conv=notrunc 2>/dev/null
	cmp -s "$T/flip.efi" "$T/ours.efi" && ko "byte $off flipped"
	check "sbverify rejects flipped byte $off" bash -c "! sbverify --cert '$K/db.crt' '$T/flip.efi'"
	refuse "our verify rejects flipped byte $off" "$SIGNET" sb verify --cert "$K/db.crt" "$T/flip.efi"
done
# A byte flipped in the signature itself.
cp "$T/ours.efi" "$T/flip.efi"
SZ=$(stat -c %s "$T/flip.efi")
printf '\x00\x00\x00\x00' | dd of="$T/flip.efi" bs=1 seek=$((SZ - 300)) conv=notrunc 2>/dev/null
check "sbverify rejects a damaged signature" bash -c "! sbverify --cert '$K/db.crt' '$T/flip.efi'"
refuse "our verify rejects a damaged signature" "$SIGNET" sb verify --cert "$K/db.crt" "$T/flip.efi"

# A second, larger PE: systemd-boot itself.
check "sign systemd-boot" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" --deterministic -o "$T/boot.efi" "$BOOT"
check "sbverify accepts signed systemd-boot" sbverify --cert "$K/db.crt" "$T/boot.efi"
check "our verify accepts signed systemd-boot" "$SIGNET" sb verify --cert "$K/db.crt" "$T/boot.efi"

# A PE32 (i386) image, made here: sbsign and signet agree on it too.
python3 - "$T/pe32.efi" <<'PY'
import struct, sys
dos = b"MZ" + bytes(0x3a) + struct.pack("<I", 0x40)
coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x14c, 1, 0, 0, 0, 96 + 16 * 8, 0x0102)
opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", 0x10b, 0, 0, 0x200, 0, 0, 0x1000, 0x1000, 0,
                  0x400000, 0x1000, 0x200, 0, 0, 0, 0, 0, 0, 0, 0x2000, 0x200, 0, 10, 0,
                  0x100000, 0x1000, 0x100000, 0x1000, 0, 16) + bytes(16 * 8)
sect = struct.pack("<8sIIIIIIHHI", b".text", 0x200, 0x1000, 0x200, 0x200, 0, 0, 0, 0, 0x60000020)
hdr = dos + coff + opt + sect
img = hdr + bytes(0x200 - len(hdr)) + bytes([0xc3]) + bytes(range(255)) * 2 + bytes(1) + b"trailing data, 37 bytes, not aligned"
open(sys.argv[1], "wb").write(img)
PY
objdump -p "$T/pe32.efi" 2>/dev/null | grep -q "(PE32)" && ok || ko "objdump sees our test image as PE32"
check "sign PE32" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" --deterministic -o "$T/pe32.signed" "$T/pe32.efi"
check "sbverify accepts signed PE32" sbverify --cert "$K/db.crt" "$T/pe32.signed"
check "our verify accepts signed PE32" "$SIGNET" sb verify --cert "$K/db.crt" "$T/pe32.signed"
sbattach --detach "$T/pe32.sig" "$T/pe32.signed" >/dev/null 2>&1
cp "$T/pe32.efi" "$T/pe32.re"
sbattach --attach "$T/pe32.sig" "$T/pe32.re" >/dev/null 2>&1
same "sbattach rebuilds our signed PE32" "$T/pe32.re" "$T/pe32.signed"
check "sbsign PE32" sbsign --key "$K/db.key" --cert "$K/db.crt" --output "$T/pe32.sbsign" "$T/pe32.efi"
check "our verify accepts sbsign's PE32" "$SIGNET" sb verify --cert "$K/db.crt" "$T/pe32.sbsign"

# --- bad input: one line, exit 1, nothing written ------------------------
echo "not a PE image" >"$T/text.efi"
refuse "sign a text file" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" -o "$T/bad1.efi" "$T/text.efi"
absent "nothing written for a text file" "$T/bad1.efi"
head -c 3000 "$STUB" >"$T/trunc.efi"
refuse "sign a truncated PE" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" -o "$T/bad2.efi" "$T/trunc.efi"
absent "nothing written for a truncated PE" "$T/bad2.efi"
grep -q "beyond the end of the file" "$T/.err" && ok || ko "truncation error names the rule: $(cat "$T/.err")"
refuse "sign with a key that is not the cert's" "$SIGNET" sb sign --key "$K/PK.key" --cert "$K/db.crt" -o "$T/bad3.efi" "$T/stub.efi"
absent "nothing written for a wrong key/cert pair" "$T/bad3.efi"
refuse "sign an already signed image" "$SIGNET" sb sign --key "$K/db.key" --cert "$K/db.crt" -o "$T/bad4.efi" "$T/ours.efi"
absent "nothing written for a signed input" "$T/bad4.efi"
refuse "sign with a missing key" "$SIGNET" sb sign --key "$T/nokey" --cert "$K/db.crt" -o "$T/bad5.efi" "$T/stub.efi"
refuse "verify an unsigned image" "$SIGNET" sb verify --cert "$K/db.crt" "$T/stub.efi"
refuse "verify a text file" "$SIGNET" sb verify --cert "$K/db.crt" "$T/text.efi"
head -c $((SZ - 100)) "$T/ours.efi" >"$T/cut.efi"
refuse "verify a signed image cut short" "$SIGNET" sb verify --cert "$K/db.crt" "$T/cut.efi"
"$SIGNET" sb sign --cert "$K/db.crt" "$T/stub.efi" >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "sign without --key is a usage error"
for sub in keygen sign verify; do
	check "sb $sub --help" "$SIGNET" sb $sub --help
	grep -q "^Usage:" "$T/.out" && ok || ko "sb $sub --help starts with Usage:"
done
finish
