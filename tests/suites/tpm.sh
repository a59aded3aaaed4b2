#!/bin/bash
# signet tpm: seal/unseal under a PCR policy against swtpm, checked with
# tpm2-tools (policy digests, persistent handles, unsealing both ways).
. "$(dirname "$0")/lib.sh"

for tool in swtpm tpm2_pcrextend tpm2_getcap tpm2_createpolicy tpm2_readpublic tpm2_unseal \
	tpm2_createprimary tpm2_create tpm2_load tpm2_evictcontrol tpm2_flushcontext tpm2_changeauth openssl xxd; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done

# swtpm on a random loopback port pair (scripts/bootkit.sh).
. "$SRCDIR/scripts/bootkit.sh"
trap 'swtpm_stop; rm -rf "$T"' EXIT
swtpm_host "$T/tpm" || exit 1
C=$TCTI
P=$SWTPM_PORT
export TPM2TOOLS_TCTI=$C
tpm() { "$SIGNET" tpm "$@" -T "$C"; }
# tpm2-tools count on a resource manager to flush what they leave loaded;
# swtpm has none, so flush after each of them (signet flushes its own).
tools() {
	local r=0
	"$@" || r=$?
	tpm2_flushcontext -t >/dev/null 2>&1
	tpm2_flushcontext -l >/dev/null 2>&1
	return $r
}
ZERO=$(printf '%064d' 0)

# Help and usage errors.
for sub in seal unseal pcr; do
	"$SIGNET" tpm $sub --help | head -1 | grep -q '^Usage: signet tpm '$sub && ok || ko "$sub --help"
done
"$SIGNET" tpm seal --handle 0x80000001 -T "$C" </dev/null 2>/dev/null; [ $? -eq 2 ] && ok || ko "transient handle: usage error"
"$SIGNET" tpm unseal --pcr 24 -T "$C" 2>/dev/null; [ $? -eq 2 ] && ok || ko "PCR 24: usage error"
"$SIGNET" tpm unseal --in x -T "$C" 2>/dev/null; [ $? -eq 2 ] && ok || ko "unseal --in: usage error"

# PCR 7 of a fresh TPM, and the policy over it as tpm2_createpolicy has it.
check "pcr" tpm pcr
[ "$(cat "$T/.out")" = "7: $ZERO" ] && ok || ko "PCR 7 of a fresh TPM is zero: $(cat "$T/.out")"
policy_of() { # PCR list -> tpm2_createpolicy's PolicyPCR digest
	tools tpm2_createpolicy --policy-pcr -l "sha256:$1" -L "$T/pol.bin" >/dev/null && xxd -p -c 64 "$T/pol.bin"
}
POL7=$(policy_of 7)
[ "$(tpm pcr --policy)" = "$POL7" ] && ok || ko "pcr --policy equals tpm2_createpolicy ($POL7)"

# Seal, then the TPM's view of the object.
head -c 32 /dev/urandom >"$T/secret"
check "seal" tpm seal --in "$T/secret"
grep -qx "0x81000010: sealed 32 bytes to sha256 PCR 7, policy $POL7" "$T/.out" && ok ||
	ko "seal prints the handle and the policy: $(cat "$T/.out")"
grep -q "$(xxd -p -c 64 "$T/secret")" "$T/.out" && ko "seal printed the secret" || ok
tpm2_getcap handles-persistent | grep -qx -- '- 0x81000010' && ok || ko "tpm2_getcap lists 0x81000010"
tpm2_readpublic -c 0x81000010 >"$T/pub" 2>&1
grep -qx "authorization policy: $POL7" "$T/pub" && ok || ko "authPolicy is the PCR 7 policy: $(grep policy "$T/pub")"
grep -A1 '^attributes:' "$T/pub" | grep -qx '  value: fixedtpm|fixedparent' && ok || ko "attributes: no userwithauth"
grep -A1 '^type:' "$T/pub" | grep -qx '  value: keyedhash' && ok || ko "a keyedhash object"

# Unseal by signet (file 0600, stdout) and by tpm2_unseal.
check "unseal -o" tpm unseal -o "$T/out"
same "unsealed secret" "$T/secret" "$T/out"
[ "$(stat -c %a "$T/out")" = 600 ] && ok || ko "output mode 0600"
tpm unseal >"$T/out2" 2>"$T/.err" && same "unseal to stdout" "$T/secret" "$T/out2" || ko "unseal to stdout: $(cat "$T/.err")"
tools tpm2_unseal -c 0x81000010 -p pcr:sha256:7 -o "$T/out3" 2>"$T/.err" && same "tpm2_unseal gets it too" "$T/secret" "$T/out3" ||
	ko "tpm2_unseal: $(cat "$T/.err")"

# What crosses the TPM interface (the pcap TCTI records it): signet's
# salted sessions keep the secret encrypted both ways; tpm2_unseal's
# plain policy session shows it, which proves the capture would.
hexof() { xxd -p "$1" | tr -d '\n'; }
capture_has_secret() { hexof "$1" | grep -q "$(hexof "$T/secret")"; }
TCTI_PCAP_FILE="$T/seal.pcap" "$SIGNET" tpm seal -T "pcap:$C" -H 0x81000014 --in "$T/secret" >/dev/null &&
	TCTI_PCAP_FILE="$T/unseal.pcap" "$SIGNET" tpm unseal -T "pcap:$C" -H 0x81000014 >"$T/outp" &&
	same "unsealed through the pcap TCTI" "$T/secret" "$T/outp" || ko "seal/unseal through the pcap TCTI"
[ -s "$T/seal.pcap" ] && [ -s "$T/unseal.pcap" ] && ok || ko "pcap captures written"
capture_has_secret "$T/seal.pcap" && ko "the secret crossed in the clear when sealing" || ok
capture_has_secret "$T/unseal.pcap" && ko "the secret crossed in the clear when unsealing" || ok
TCTI_PCAP_FILE="$T/tools.pcap" tools tpm2_unseal -T "pcap:$C" -c 0x81000014 -p pcr:sha256:7 >/dev/null
capture_has_secret "$T/tools.pcap" && ok || ko "tpm2_unseal's capture shows the secret (control)"

# An object sealed by tpm2-tools under the same policy, unsealed by signet.
head -c 48 /dev/urandom >"$T/secret2"
tools tpm2_createpolicy --policy-pcr -l sha256:7 -L "$T/pol7.bin" >/dev/null &&
	tools tpm2_createprimary -C o -g sha256 -G ecc256 -c "$T/prim.ctx" >/dev/null &&
	tools tpm2_create -C "$T/prim.ctx" -L "$T/pol7.bin" -a 'fixedtpm|fixedparent' -i "$T/secret2" \
		-u "$T/o.pub" -r "$T/o.priv" >/dev/null &&
	tools tpm2_load -C "$T/prim.ctx" -u "$T/o.pub" -r "$T/o.priv" -c "$T/o.ctx" >/dev/null &&
	tools tpm2_evictcontrol -C o -c "$T/o.ctx" 0x81000020 >/dev/null && ok || ko "tpm2-tools seal at 0x81000020"
check "unseal what tpm2-tools sealed" tpm unseal -H 0x81000020 -o "$T/out4"
same "tpm2-tools secret" "$T/secret2" "$T/out4"

# Occupied handle, sizes, empty input.
refuse "occupied handle without --force" tpm seal --in "$T/secret"
grep -q 'already holds an object' "$T/.err" && ok || ko "occupied: $(cat "$T/.err")"
tpm unseal -o "$T/out5" && same "the old object is untouched" "$T/secret" "$T/out5" || ko "old object lost"
head -c 64 /dev/urandom >"$T/s64"
check "64 bytes from stdin" sh -c '"$0" tpm seal -T "$1" -H 0x81000011 <"$2"' "$SIGNET" "$C" "$T/s64"
tpm unseal -H 0x81000011 >"$T/o64" && same "64 bytes back" "$T/s64" "$T/o64" || ko "unseal 64"
head -c 65 /dev/urandom >"$T/s65"
refuse "65 bytes" tpm seal -H 0x81000012 --in "$T/s65"
refuse "empty secret" tpm seal -H 0x81000012 --in /dev/null
refuse "unseal an empty handle" tpm unseal -H 0x81000012 -o "$T/none"
absent "nothing written for an empty handle" "$T/none"
tpm2_getcap handles-persistent | grep -q 0x81000012 && ko "a refused seal left an object" || ok

# A handle holding a key, not sealed data: named as such.
tools tpm2_createprimary -C o -G ecc256 -c "$T/k.ctx" >/dev/null &&
	tools tpm2_evictcontrol -C o -c "$T/k.ctx" 0x81000030 >/dev/null && ok || ko "a key at 0x81000030"
refuse "unseal a key" tpm unseal -H 0x81000030 -o "$T/none"
grep -q 'handle 0x81000030: not a sealed data object' "$T/.err" && ok || ko "not sealed data: $(cat "$T/.err")"
absent "nothing written for a key" "$T/none"
tools tpm2_evictcontrol -C o -c 0x81000030 >/dev/null

# Bad TCTIs: one line each.
refuse "nothing listening" "$SIGNET" tpm pcr -T "swtpm:host=127.0.0.1,port=$((P + 2))"
grep -q 'cannot connect to a TPM' "$T/.err" && ok || ko "closed port: $(cat "$T/.err")"
refuse "unknown TCTI" "$SIGNET" tpm unseal -T "nosuchtcti:x"
refuse "missing device" "$SIGNET" tpm unseal -T "device:$T/nodev"

# Extend PCR 7: the value moves as sha256(old || digest) says, and the
# sealed object is refused with one clear line and no output file.
EXT=$(head -c 32 /dev/urandom | xxd -p -c 64)
tools tpm2_pcrextend "7:sha256=$EXT" && ok || ko "tpm2_pcrextend"
WANT=$(printf '%s%s' "$ZERO" "$EXT" | xxd -r -p | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "$(tpm pcr)" = "7: $WANT" ] && ok || ko "PCR 7 after the extension is $WANT"
refuse "unseal after the PCR 7 extension" tpm unseal -o "$T/out6"
grep -qx 'signet: TPM refused to unseal: PCR 7 differs from the sealed policy' "$T/.err" && ok ||
	ko "clear refusal: $(cat "$T/.err")"
absent "no output file after the refusal" "$T/out6"
tools tpm2_unseal -c 0x81000010 -p pcr:sha256:7 >/dev/null 2>&1 && ko "tpm2_unseal should be refused too" || ok
refuse "the tpm2-tools object is refused too" tpm unseal -H 0x81000020

# Seal again (replace) under the new PCR 7: unseal works again.
POL7B=$(policy_of 7)
[ "$POL7B" != "$POL7" ] && ok || ko "the policy changed with PCR 7"
head -c 32 /dev/urandom >"$T/secret3"
check "seal --force after the extension" tpm seal --force --in "$T/secret3"
grep -q "policy $POL7B\$" "$T/.out" && ok || ko "new policy: $(cat "$T/.out")"
check "unseal after resealing" tpm unseal -o "$T/out7"
same "the new secret" "$T/secret3" "$T/out7"
[ "$(tpm2_getcap handles-persistent | grep -c 0x81000010)" = 1 ] && ok || ko "one object at 0x81000010"

# Two PCRs: the policy matches tpm2_createpolicy, PCR 0 moving refuses.
check "seal to PCRs 0,7" tpm seal --pcr 0,7 -H 0x81000013 --in "$T/secret"
grep -q "PCR 0,7, policy $(policy_of 0,7)\$" "$T/.out" && ok || ko "0,7 policy: $(cat "$T/.out")"
refuse "unsealing a PCR 0,7 object with a PCR 7 policy" tpm unseal -H 0x81000013
check "unseal PCRs 0,7" tpm unseal --pcr 0,7 -H 0x81000013 -o "$T/out8"
same "PCR 0,7 secret" "$T/secret" "$T/out8"
tools tpm2_pcrextend "0:sha256=$EXT" >/dev/null
refuse "unseal after PCR 0 moved" tpm unseal --pcr 0,7 -H 0x81000013
grep -qx 'signet: TPM refused to unseal: PCR 0,7 differs from the sealed policy' "$T/.err" && ok ||
	ko "0,7 refusal: $(cat "$T/.err")"

# A predicted PCR 7: sealed to the value PCR 7 will hold after one more
# extension; refused now, unsealed once the TPM gets there.
CUR7=$(tpm pcr | cut -d' ' -f2)
EXT2=$(head -c 32 /dev/urandom | xxd -p -c 64)
NEXT7=$(printf '%s%s' "$CUR7" "$EXT2" | xxd -r -p | openssl dgst -sha256 -r | cut -d' ' -f1)
check "seal to a predicted PCR 7" tpm seal -H 0x81000015 --pcr-value "7:$NEXT7" --in "$T/secret"
cp "$T/.out" "$T/predicted"
refuse "unseal before PCR 7 holds the predicted value" tpm unseal -H 0x81000015 -o "$T/out11"
grep -q 'PCR 7 differs from the sealed policy' "$T/.err" && ok || ko "predicted, early: $(cat "$T/.err")"
absent "nothing written before" "$T/out11"
tools tpm2_pcrextend "7:sha256=$EXT2" >/dev/null
grep -q "policy $(policy_of 7)\$" "$T/predicted" && ok || ko "predicted policy is tpm2_createpolicy's once there"
check "unseal once PCR 7 holds the predicted value" tpm unseal -H 0x81000015 -o "$T/out11"
same "the secret sealed to a predicted PCR 7" "$T/secret" "$T/out11"
"$SIGNET" tpm seal -T "$C" -H 0x81000016 --pcr-value "0:$NEXT7" --in "$T/secret" 2>/dev/null
[ $? -eq 2 ] && ok || ko "--pcr-value outside --pcr: usage error"
"$SIGNET" tpm seal -T "$C" -H 0x81000016 --pcr-value "7:abcd" --in "$T/secret" 2>/dev/null
[ $? -eq 2 ] && ok || ko "--pcr-value too short: usage error"

# An owner password: seal needs the owner hierarchy and says so; unseal
# does not, when a persistent SRK at 0x81000001 salts its session.
tools tpm2_createprimary -C o -G ecc256 -c "$T/srk.ctx" >/dev/null &&
	tools tpm2_evictcontrol -C o -c "$T/srk.ctx" 0x81000001 >/dev/null &&
	tools tpm2_changeauth -c o ownerpass && ok || ko "SRK at 0x81000001 and an owner password"
refuse "seal with an owner password" tpm seal --force --in "$T/secret"
grep -q 'the owner hierarchy has a password' "$T/.err" && ok || ko "owner password: $(cat "$T/.err")"
TCTI_PCAP_FILE="$T/srk.pcap" "$SIGNET" tpm unseal -T "pcap:$C" -H 0x81000015 -o "$T/out9" 2>"$T/.err" &&
	same "unseal salted by the SRK" "$T/secret" "$T/out9" || ko "unseal with the SRK: $(cat "$T/.err")"
capture_has_secret "$T/srk.pcap" && ko "the secret crossed in the clear (SRK)" || ok
tools tpm2_evictcontrol -C o -P ownerpass -c 0x81000001 >/dev/null && ok || ko "evict the SRK"
refuse "unseal with an owner password and no SRK" tpm unseal -H 0x81000015 -o "$T/out10"
grep -q "the owner hierarchy has a password" "$T/.err" && ok || ko "no SRK: $(cat "$T/.err")"
absent "nothing written" "$T/out10"

finish
