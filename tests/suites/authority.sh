#!/bin/bash
# authority.sh - the offline authority: domain genesis, DomainID, DAM,
# policy, environment claims, audit log, rotation. Checked against the
# real age (it decrypts the stored root key) and an outside checker in
# Python (check_design.py, from docs/design.md alone, with `cryptography`).
# After every command the root private key's bytes (raw, hex, base64)
# must appear nowhere under the authority home or in new files in /tmp.
. "$(dirname "$0")/lib.sh"

CHECKER="$SRCDIR/tests/suites/check_design.py"
py() { python3 "$CHECKER" "$@"; }
export SIGNET_HOME="$T/home"
H=$SIGNET_HOME
touch "$T/.start"

"$SIGNET" age-keygen -o "$T/id" 2>/dev/null
R=$("$SIGNET" age-keygen -y "$T/id")
"$SIGNET" age-keygen -o "$T/other-id" 2>/dev/null

# --- help -------------------------------------------------------------
for c in "domain" "domain init" "domain id" "domain show" "domain rotate" "domain verify-rotation" "dam" "dam issue" \
	"dam verify" "policy" "policy hash" "policy check" "env" "env claim" "env verify" \
	"log" "log verify" "log show"; do
	# shellcheck disable=SC2086
	if "$SIGNET" $c --help 2>&1 | head -1 | grep -q '^Usage:'; then ok; else ko "$c --help"; fi
done
expect_exit 2 "domain init: unknown option" "$SIGNET" domain init --bogus
expect_exit 2 "domain init: -r and --passphrase-file" \
	"$SIGNET" domain init -r "$R" --passphrase-file /dev/null
absent "usage error writes nothing" "$H"
expect_exit 1 "domain init: bad recipient" "$SIGNET" domain init -r age1notarecipient
absent "bad recipient writes nothing" "$H"
if [ ! -e /asl-auth-host ]; then
	expect_exit 1 "the default home is /asl-auth-host" env -u SIGNET_HOME "$SIGNET" domain id --home ""
	contains "default home named" "$T/.err" "/asl-auth-host/domains"
fi

# A genesis that fails half-way (here: the claim file exceeds the file size
# limit) leaves no domain behind.
(trap '' XFSZ; ulimit -f 1; exec "$SIGNET" domain init --home "$T/half" -r "$R") >"$T/.out" 2>"$T/.err"
if [ $? -eq 1 ] && grep -q "File too large" "$T/.err"; then ok; else ko "half-way genesis: $(cat "$T/.err")"; fi
if [ -z "$(ls -A "$T/half/domains")" ] && [ -z "$(ls -A "$T/half/env-claims")" ]; then ok
else ko "half-way genesis left $(find "$T/half" -type f)"; fi

# --- the key never in plaintext -----------------------------------------
SCAN_DIRS=("$H")
SCAN_SKIP="^$T/\.\(out\|err\)$"

# --- genesis ----------------------------------------------------------
check "domain init" "$SIGNET" domain init -r "$R" --name alpha --dns-claim alpha.example
ID=$(cat "$T/.out")
D="$H/domains/$ID"
if [ "${#ID}" -eq 52 ] && [[ $ID =~ ^[a-z2-7]+$ ]]; then ok; else ko "DomainID shape: $ID"; fi
for sub in keys dam policies certs log snapshots store; do
	if [ -d "$D/$sub" ]; then ok; else ko "layout: $D/$sub missing"; fi
done
for sub in env-claims sops-bundles tools; do
	if [ -d "$H/$sub" ]; then ok; else ko "layout: $H/$sub missing"; fi
done
if [ "$(stat -c %a "$D/keys/root.key.age")" = 600 ]; then ok; else ko "root key file mode"; fi
if [ "$(stat -c %a "$D/keys") $(stat -c %a "$D")" = "700 755" ]; then ok; else ko "keys/ and domain directory modes"; fi
absent "no staging left after the commit" "$H/.txn"
before=$(tree_sum "$H")
expect_exit 1 "a second domain init on the home" "$SIGNET" domain init -r "$R"
contains "reason: one current domain" "$T/.err" "current domain already"
if [ "$before" = "$(tree_sum "$H")" ]; then ok; else ko "refused domain init changed the home"; fi
# The real age decrypts the stored key: 32 bytes whose public key is the
# domain's (derived by Python's cryptography, not by signet).
KEYHEX=$(age -d -i "$T/id" "$D/keys/root.key.age" | xxd -p -c 64)
if [ "${#KEYHEX}" -eq 64 ]; then ok; else ko "age -d of the root key: ${#KEYHEX} hex digits"; fi
PUB=$(KEYHEX="$KEYHEX" python3 -c '
import base64, os
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
k = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(os.environ["KEYHEX"]))
print(base64.b64encode(k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)).decode())')
contains "domain.json names the key age decrypts" "$D/domain.json" "$PUB"
no_plaintext_key "domain init"
# The search can fail: a key planted in base64 under the home is found.
python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$KEYHEX" >"$H/planted"
if scan_key >/dev/null; then ko "the key search missed a planted key"; else ok; fi
rm "$H/planted"

check "domain id" "$SIGNET" domain id
if [ "$(cat "$T/.out")" = "$ID" ]; then ok; else ko "domain id: $(cat "$T/.out") != $ID"; fi
check "domain id --short" "$SIGNET" domain id --short
if [ "$(cat "$T/.out")" = "${ID:0:12}" ]; then ok; else ko "short id"; fi
check "domain show" "$SIGNET" domain show
contains "show names the domain" "$T/.out" "$ID"
contains "show names the protection" "$T/.out" "age-recipients"
check "domain show --json" "$SIGNET" domain show --json
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["domain_id"]==sys.argv[2] and j["log_records"]==1 and j["root_public_key"]==sys.argv[3]' \
	"$T/.out" "$ID" "$PUB"; then ok; else ko "show --json content"; fi
no_plaintext_key "domain show"

# --- DAM: verify, and the outside checker agrees ----------------------
DAM="$D/dam/0001.dam.json"
check "dam verify genesis DAM" "$SIGNET" dam verify "$DAM"
check "dam verify --domain" "$SIGNET" dam verify --domain "$ID" "$DAM"
check "python checks the DAM" py dam "$DAM"
if [ "$(cat "$T/.out")" = "$ID" ]; then ok; else ko "python DomainID $(cat "$T/.out") != $ID"; fi
contains "DAM carries the DNS claim" "$DAM" '"dns_claim":"alpha.example"'

# Each failure reason, one broken rule at a time.
python3 - "$DAM" "$T" <<'PY'
import base64, json, sys
f = json.load(open(sys.argv[1]))
t = sys.argv[2]
def dump(name, obj):
    json.dump(obj, open(t + "/" + name, "w"))
g = json.loads(json.dumps(f))
sig = bytearray(base64.b64decode(g["dam_signature"]["signature"])); sig[10] ^= 1
g["dam_signature"]["signature"] = base64.b64encode(bytes(sig)).decode(); dump("bad-sig.json", g)
g = json.loads(json.dumps(f))
g["dam"]["root_public_key"] = base64.b64encode(bytes(range(32))).decode(); dump("swapped-key.json", g)
g = json.loads(json.dumps(f)); g["dam"]["metadata"]["human_name"] = "mallory"; dump("edited.json", g)
g = json.loads(json.dumps(f)); g["dam"]["extra"] = 1; dump("unknown-member.json", g)
g = json.loads(json.dumps(f)); g["dam"]["issued_at"] = "2026-02-30T00:00:00Z"; dump("bad-date.json", g)
g = json.loads(json.dumps(f)); g["dam_signature"]["algorithm"] = "rsa"; dump("bad-alg.json", g)
PY
expect_exit 3 "DAM with a flipped signature bit" "$SIGNET" dam verify "$T/bad-sig.json"
contains "reason: signature" "$T/.err" "signature does not verify"
expect_exit 3 "DAM with a swapped root key" "$SIGNET" dam verify "$T/swapped-key.json"
expect_exit 3 "DAM with an edited member" "$SIGNET" dam verify "$T/edited.json"
expect_exit 1 "DAM with an unknown member" "$SIGNET" dam verify "$T/unknown-member.json"
contains "reason: unknown member" "$T/.err" 'unknown member "extra"'
expect_exit 1 "DAM with a date that does not exist" "$SIGNET" dam verify "$T/bad-date.json"
expect_exit 3 "DAM signature of another algorithm" "$SIGNET" dam verify "$T/bad-alg.json"
if py dam "$T/bad-sig.json" 2>/dev/null; then ko "python accepts a bad signature"; else ok; fi
# Validly signed by Python, but the DomainID is not the key's.
py make-dam "$T/py-wrong-id.json" --domain-id "$ID"
expect_exit 4 "DAM whose domain_id is not its key's" "$SIGNET" dam verify "$T/py-wrong-id.json"
contains "reason: DomainID" "$T/.err" "does not derive from root_public_key"
py make-dam "$T/py-expired.json" --expires 2021-01-01T00:00:00Z
expect_exit 5 "expired DAM" "$SIGNET" dam verify "$T/py-expired.json"
contains "reason: expiry" "$T/.err" "expired at 2021-01-01T00:00:00Z"
py make-dam "$T/py-good.json"
check "a DAM signed by Python per docs/design.md verifies" "$SIGNET" dam verify "$T/py-good.json"
expect_exit 4 "DAM of another domain than --domain" "$SIGNET" dam verify --domain "$ID" "$T/py-good.json"
expect_exit 1 "dam verify: missing file" "$SIGNET" dam verify "$T/nonexistent.json"
printf '{"dam": 1.5}' >"$T/float.json"
expect_exit 1 "dam verify: float" "$SIGNET" dam verify "$T/float.json"

# --- DAM issue ----------------------------------------------------------
SIGNER=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
check "dam issue" "$SIGNET" dam issue -i "$T/id" --expires-days 30 --role domain_root \
	--role dam_signer --dns-claim alpha.example --signer-key "$SIGNER" -o "$T/issued.json"
DAM2=$(cat "$T/.out")
same "dam issue -o copy" "$DAM2" "$T/issued.json"
check "issued DAM verifies" "$SIGNET" dam verify --domain "$ID" "$DAM2"
check "python verifies the issued DAM" py dam "$DAM2"
contains "issued DAM carries the signer key" "$DAM2" "$SIGNER"
expect_exit 5 "issued DAM is expired 31 days later" "$SIGNET" dam verify \
	--at "$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)" "$DAM2"
no_plaintext_key "dam issue"
check "show an expired DAM" env SIGNET_NOW="$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)" "$SIGNET" domain show
contains "show says the DAM expired" "$T/.out" "(expired;"
before=$(tree_sum "$H")
expect_exit 1 "dam issue: expiry in the past" "$SIGNET" dam issue -i "$T/id" --expires 2020-01-01T00:00:00Z
expect_exit 1 "dam issue: wrong identity" "$SIGNET" dam issue -i "$T/other-id"
expect_exit 1 "dam issue: no identity" "$SIGNET" dam issue
expect_exit 1 "dam issue: bad role" "$SIGNET" dam issue -i "$T/id" --role Bad-Role
expect_exit 2 "dam issue: bad signer key" "$SIGNET" dam issue -i "$T/id" --signer-key abc
if [ "$before" = "$(tree_sum "$H")" ]; then ok; else ko "refused dam issue changed the home"; fi

# --- environment claims ---------------------------------------------------
# Two claims in the same second of the same environment are one claim.
H3="$T/home3"
check "init at a fixed time" env SIGNET_NOW=2030-01-01T00:00:00Z "$SIGNET" domain init --home "$H3" -r "$R"
check "claim in the same second" env SIGNET_NOW=2030-01-01T00:00:00Z "$SIGNET" env claim --home "$H3" -i "$T/id"
if [ "$(find "$H3/env-claims" -type f | wc -l)" -eq 1 ]; then ok; else ko "same claim written twice"; fi
check "log of the repeated claim" "$SIGNET" log verify --home "$H3"
contains "repeated claim logged" "$T/.out" "2 records verified"
check "env claim" "$SIGNET" env claim -i "$T/id"
CLAIM=$(cat "$T/.out")
case $CLAIM in "$H/env-claims/"*.claim) ok ;; *) ko "claim path $CLAIM" ;; esac
check "env verify" "$SIGNET" env verify "$CLAIM"
check "env verify --current" "$SIGNET" env verify --current "$CLAIM"
check "python verifies the claim and its snapshot-id" py claim "$CLAIM" "$PUB"
SNAP=$(basename "$CLAIM" .claim)
if python3 -c 'import json,sys,hashlib
c=json.load(open(sys.argv[1]))["claim"]
assert c["signet"]["sha256"]==sys.argv[2], "signet hash"
assert c["os"]["os_release_sha256"]==sys.argv[3], "os-release hash"
assert c["os"]["kernel_release"]==sys.argv[4]
assert c["os"]["cmdline_sha256"]==hashlib.sha256(open("/proc/cmdline","rb").read()).hexdigest()
libs={l["path"]: l["sha256"] for l in c["signet"]["libraries"]}
crypto=[p for p in libs if "libcrypto" in p]
assert crypto, "libcrypto not measured"
assert libs[crypto[0]]==hashlib.sha256(open(crypto[0],"rb").read()).hexdigest()' \
	"$CLAIM" "$(sha256sum <"$SIGNET" | cut -c1-64)" "$(sha256sum </etc/os-release | cut -c1-64)" \
	"$(uname -r)"; then ok; else ko "claim hashes differ from sha256sum's"; fi
no_plaintext_key "env claim"
echo tool >"$H/tools/helper.sh"
expect_exit 1 "claim vs a changed tools/" "$SIGNET" env verify --current "$CLAIM"
contains "reason: tools" "$T/.err" "tools differs"
rm "$H/tools/helper.sh"
echo block >"$D/store/b1"
expect_exit 1 "claim vs a changed store" "$SIGNET" env verify --current "$CLAIM"
contains "reason: store" "$T/.err" "store differs"
rm "$D/store/b1"
cp "$CLAIM" "$T/claim.json"
sed -i 's/"kernel_release":"/"kernel_release":"x/' "$T/claim.json"
expect_exit 1 "edited claim" "$SIGNET" env verify "$T/claim.json"

# --- audit log --------------------------------------------------------------
check "log verify" "$SIGNET" log verify
contains "log: 3 records" "$T/.out" "3 records verified"
contains "log: claim in force" "$T/.out" "claim in force $SNAP"
check "python verifies the chain and receipts" py log "$D"
check "log show" "$SIGNET" log show
contains "log show lists the DAM issue" "$T/.out" "dam-issue"
cp -a "$D/log" "$T/log.good"
restore_log() { rm -rf "$D/log"; cp -a "$T/log.good" "$D/log"; }
sed -i '2d' "$D/log/audit.log"
expect_exit 1 "log with a deleted record" "$SIGNET" log verify
contains "deleted record reported" "$T/.err" "line 2: seq 2 where 1 was expected"
restore_log
sed -i '2{h;d};3{G}' "$D/log/audit.log"
expect_exit 1 "log with two records swapped" "$SIGNET" log verify
contains "reordered record reported" "$T/.err" "reordered"
restore_log
sed -i '2s/"op":"dam-issue"/"op":"dam-issuE"/' "$D/log/audit.log"
expect_exit 1 "log with an edited record" "$SIGNET" log verify
contains "edited record reported" "$T/.err" "receipt"
restore_log
sed -i '3s/"op":"env-claim"/"op": "env-claim"/' "$D/log/audit.log"
expect_exit 1 "log with a re-spaced record" "$SIGNET" log verify
restore_log
sed -i '$d' "$D/log/audit.log"
expect_exit 1 "log with the last record deleted" "$SIGNET" log verify
contains "truncation reported" "$T/.err" "head names record"
restore_log
rm "$D/log/head.json"
expect_exit 1 "log without its head" "$SIGNET" log verify
restore_log
if py log "$D" >/dev/null; then ok; else ko "restored log"; fi
sed -i '2d' "$D/log/audit.log"
if py log "$D" 2>/dev/null; then ko "python accepts a log with a deleted record"; else ok; fi
before=$(tree_sum "$H")
expect_exit 1 "no operation appends to a broken log" "$SIGNET" env claim -i "$T/id"
if [ "$before" = "$(tree_sum "$H")" ]; then ok; else ko "refused append changed the home"; fi
restore_log
check "log verify after restore" "$SIGNET" log verify
no_plaintext_key "log verify"

# --- policy ---------------------------------------------------------------
cat >"$T/policy.json" <<'JSON'
{
  "requested_capabilities": ["store_blocks", "publish_private_encrypted", "import_foreign_artifacts"],
  "requested_storage": {"max_blocks": "1_000_000", "max_bytes": "5TB"},
  "federation": {"allow_inbound": false, "allow_outbound": true}
}
JSON
check "policy check" "$SIGNET" policy check "$T/policy.json"
contains "5TB = 5*10^12" "$T/.out" "max bytes:      5000000000000$"
contains "1_000_000" "$T/.out" "max blocks:     1000000$"
check "policy hash" "$SIGNET" policy hash "$T/policy.json"
PH=$(cat "$T/.out")
if [ "$PH" = "$(py policy "$T/policy.json")" ]; then ok; else ko "policy hash differs from python's"; fi
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["policy_hash"]=sys.argv[2]; json.dump(p,open(sys.argv[3],"w"),indent=4)' \
	"$T/policy.json" "$PH" "$T/policy-hashed.json"
check "policy with its hash" "$SIGNET" policy check "$T/policy-hashed.json"
check "hash ignores the carried policy_hash" "$SIGNET" policy hash "$T/policy-hashed.json"
if [ "$(cat "$T/.out")" = "$PH" ]; then ok; else ko "hash with policy_hash member"; fi
# policy_variant NAME PYTHON-EXPR-ON-p: writes $T/NAME.json.
policy_variant() {
	python3 -c "import json,sys; p=json.load(open(sys.argv[1])); $2; json.dump(p,open(sys.argv[2],'w'))" \
		"$T/policy.json" "$T/$1.json"
}
policy_variant tib 'p["requested_storage"]["max_bytes"]="5TiB"'
check "policy with TiB" "$SIGNET" policy check "$T/tib.json"
contains "5TiB = 5*2^40" "$T/.out" "max bytes:      5497558138880$"
policy_variant int 'p["requested_storage"]["max_bytes"]=5000000000000'
check "policy with an integer size" "$SIGNET" policy check "$T/int.json"
if [ "$("$SIGNET" policy hash "$T/int.json")" != "$PH" ]; then ok; else ko "hash normalised sizes"; fi
policy_variant wronghash "p['policy_hash']='$(printf '%064d' 0)'"
expect_exit 1 "wrong policy_hash" "$SIGNET" policy check "$T/wronghash.json"
contains "reason: policy hash" "$T/.err" "does not match"
policy_variant unknown 'p["extra"]=True'
expect_exit 1 "unknown top-level key" "$SIGNET" policy check "$T/unknown.json"
policy_variant unknown2 'p["federation"]["allow_sideways"]=True'
expect_exit 1 "unknown nested key" "$SIGNET" policy check "$T/unknown2.json"
policy_variant cap 'p["requested_capabilities"].append("launch_missiles")'
expect_exit 1 "unknown capability" "$SIGNET" policy check "$T/cap.json"
policy_variant dup 'p["requested_capabilities"].append("store_blocks")'
expect_exit 1 "capability twice" "$SIGNET" policy check "$T/dup.json"
policy_variant unit 'p["requested_storage"]["max_bytes"]="5XB"'
expect_exit 1 "unknown unit" "$SIGNET" policy check "$T/unit.json"
policy_variant unders 'p["requested_storage"]["max_blocks"]="1__000"'
expect_exit 1 "double underscore" "$SIGNET" policy check "$T/unders.json"
policy_variant countunit 'p["requested_storage"]["max_blocks"]="5TB"'
expect_exit 1 "unit on a count" "$SIGNET" policy check "$T/countunit.json"
policy_variant overflow 'p["requested_storage"]["max_bytes"]="20EB"'
expect_exit 1 "size beyond 64 bits" "$SIGNET" policy check "$T/overflow.json"
policy_variant fedtype 'p["federation"]["allow_inbound"]="no"'
expect_exit 1 "federation flag not a boolean" "$SIGNET" policy check "$T/fedtype.json"
policy_variant nocaps 'del p["requested_capabilities"]'
expect_exit 1 "missing capabilities" "$SIGNET" policy check "$T/nocaps.json"
printf '{"requested_capabilities": [], "requested_storage": {"max_bytes": 1.5}}' >"$T/float.json"
expect_exit 1 "float in a policy" "$SIGNET" policy check "$T/float.json"

# --- passphrase-protected domain ----------------------------------------------
H2="$T/home2"
printf 'correct horse\n' >"$T/pass"
printf 'wrong horse\n' >"$T/wrong"
check "domain init with a passphrase" "$SIGNET" domain init --home "$H2" --passphrase-file "$T/pass" \
	--work-factor 10 --name beta
ID2=$(cat "$T/.out")
# (age reads passphrases only from a terminal: signet age decrypts here.)
KEYHEX2=$("$SIGNET" age -d --passphrase-file "$T/pass" "$H2/domains/$ID2/keys/root.key.age" | xxd -p -c 64)
if [ "${#KEYHEX2}" -eq 64 ]; then ok; else ko "passphrase-encrypted root key: ${#KEYHEX2} hex digits"; fi
check "show: passphrase" "$SIGNET" domain show --home "$H2"
contains "show names the passphrase protection" "$T/.out" "passphrase"
check "dam issue with the passphrase" "$SIGNET" dam issue --home "$H2" --passphrase-file "$T/pass"
expect_exit 1 "dam issue with a wrong passphrase" "$SIGNET" dam issue --home "$H2" --passphrase-file "$T/wrong"
check "log verify, passphrase domain" "$SIGNET" log verify --home "$H2"
SAVED=$KEYHEX H_SAVED=$H
KEYHEX=$KEYHEX2 H=$H2
no_plaintext_key "passphrase domain commands"
KEYHEX=$SAVED H=$H_SAVED

# --- rotation -----------------------------------------------------------------
check "domain rotate" "$SIGNET" domain rotate -i "$T/id" -r "$R"
NEW=$(cat "$T/.out")
ND="$H/domains/$NEW"
if [ "$NEW" != "$ID" ] && [ "${#NEW}" -eq 52 ]; then ok; else ko "rotate gave $NEW"; fi
check "the new domain is current" "$SIGNET" domain id
if [ "$(cat "$T/.out")" = "$NEW" ]; then ok; else ko "current domain after rotate"; fi
check "new domain's DAM" "$SIGNET" dam verify --domain "$NEW" "$ND/dam/0001.dam.json"
contains "new DAM keeps the DNS claim" "$ND/dam/0001.dam.json" "alpha.example"
same "rotation statement in both domains" "$D/superseded.json" "$ND/dam/rotation.json"
# The cross-signatures, checked from outside.
if python3 - "$ND/dam/rotation.json" "$CHECKER" <<'PY'
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("cd", sys.argv[2]); cd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cd)
f = json.load(open(sys.argv[1])); r = f["rotation"]
old, new = cd.b64_32(r["from_root_public_key"]), cd.b64_32(r["to_root_public_key"])
assert cd.domain_id(old) == r["from_domain_id"] and cd.domain_id(new) == r["to_domain_id"]
cd.check_sig("rotation", r, f["old_signature"], old)
cd.check_sig("rotation", r, f["new_signature"], new)
PY
then ok; else ko "rotation cross-signatures"; fi
check "signet verifies the rotation" "$SIGNET" domain verify-rotation --from "$ID" "$D/superseded.json"
if [ "$(cat "$T/.out")" = "$NEW" ]; then ok; else ko "verify-rotation names $(cat "$T/.out")"; fi
expect_exit 1 "rotation from another domain" "$SIGNET" domain verify-rotation --from "$NEW" "$D/superseded.json"
python3 -c 'import json,sys,base64
f=json.load(open(sys.argv[1])); s=bytearray(base64.b64decode(f["old_signature"]["signature"])); s[0]^=1
f["old_signature"]["signature"]=base64.b64encode(bytes(s)).decode(); json.dump(f,open(sys.argv[2],"w"))' \
	"$D/superseded.json" "$T/bad-rotation.json"
expect_exit 1 "rotation with a broken cross-signature" "$SIGNET" domain verify-rotation "$T/bad-rotation.json"
contains "reason: cross-signature" "$T/.err" "cross-signature"
check "old domain's log records the rotation" "$SIGNET" log show --domain "$ID"
contains "rotate-out" "$T/.out" "rotate-out"
check "old log verifies" py log "$D"
check "new log verifies" py log "$ND"
check "new log" "$SIGNET" log verify
NEWKEY=$(age -d -i "$T/id" "$ND/keys/root.key.age" | xxd -p -c 64)
no_plaintext_key "domain rotate (old key)"
KEYHEX=$NEWKEY
no_plaintext_key "domain rotate (new key)"
expect_exit 1 "rotate with the wrong identity" "$SIGNET" domain rotate -i "$T/other-id" -r "$R"
before=$(tree_sum "$H")
expect_exit 1 "rotate a domain rotated already" "$SIGNET" domain rotate --domain "$ID" -i "$T/id" -r "$R"
contains "reason: rotated already" "$T/.err" "rotated already"
if [ "$before" = "$(tree_sum "$H")" ]; then ok; else ko "refused rotation changed the home"; fi

finish
