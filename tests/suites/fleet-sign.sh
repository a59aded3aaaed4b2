#!/bin/bash
# signet fleet issue and sign: the control plane makes the keys and the
# public state, two builders build the commit, and the signed release
# is what the real tools accept: nsd-checkconf, nsd-checkzone and
# unbound-checkconf for the DNS host's configuration, ldns-verify-zone
# for every signed zone chained to the resolvers' anchor (with the
# hosts' SSHFP records), ldns-key2ds for the delegation. Sign refuses
# builds and attestations that do not match, and writes nothing then.
. "$(dirname "$0")/lib.sh"
for t in git nsd-checkconf nsd-checkzone unbound-checkconf ldns-verify-zone ldns-key2ds; do
	command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }
done
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@example.invalid GIT_AUTHOR_DATE=@1796000000 GIT_COMMITTER_DATE=@1796000000
unset SOURCE_DATE_EPOCH
# The zones' signatures run from the build's time (the commit's) on;
# ldns-verify-zone checks them at that time.
AT=20261205000000

F=$T/fleet K=$T/fleet.keys S=$T/signed
check "fleet init" "$SIGNET" fleet init "$F"
check "fleet issue" "$SIGNET" fleet issue -C "$F" --keys "$K"
grep -q "state/dns/root.ds: the root's trust anchor written" "$T/.out" && ok || ko "issue's report: $(cat "$T/.out")"
ls "$K"/dns/keys/*.private.age >/dev/null 2>&1 && ! ls "$K"/dns/keys/*.private >/dev/null 2>&1 &&
	ok || ko "the DNS private keys are encrypted at rest"
check "issue again" "$SIGNET" fleet issue -C "$F" --keys "$K"
[ ! -s "$T/.out" ] && ok || ko "a second issue makes nothing: $(cat "$T/.out")"
(cd "$F" && git init -q && git add . && git commit -qm "the fleet, issued") && ok || ko "commit"

for b in bubo crucible; do
	git clone -q "$F" "$T/$b/src" && (cd "$T/$b/src" && "$SIGNET" fleet build --out ../out >/dev/null) &&
		"$SIGNET" fleet attest -C "$F" --builder $b --key "$K/hosts/$b/attestation.key" \
			--build "$T/$b/out" -o "$T/$b.att" && ok || ko "$b builds and attests"
done

# What sign refuses, writing nothing.
refuse "one builder's attestation twice" "$SIGNET" fleet sign -C "$F" --keys "$K" --build "$T/bubo/out" \
	--out "$S" "$T/bubo.att" "$T/bubo.att"
absent "nothing signed" "$S"
cp -a "$T/bubo/out" "$T/tampered"
echo "; added" >>"$T/tampered/hosts/ns1/nsd/zones/root.zone"
refuse "a build changed after the attestations" "$SIGNET" fleet sign -C "$F" --keys "$K" --build "$T/tampered" \
	--out "$S" "$T/bubo.att" "$T/crucible.att"
grep -q "root.zone: SHA-256 .*, the attestations say" "$T/.err" && ok || ko "names the file: $(cat "$T/.err")"
absent "nothing signed" "$S"
ls -a "$T" | grep -q "signed.signet-new" && ko "a half release left behind" || ok
mv "$K/operator.key" "$K/operator.key.away"
"$SIGNET" fleet sign -C "$F" --keys "$K" --build "$T/bubo/out" --out "$S" "$T/bubo.att" "$T/crucible.att" \
	>"$T/.out" 2>"$T/.err" && ko "signed without the operator's identity" || ok
absent "nothing signed" "$S"
mv "$K/operator.key.away" "$K/operator.key"

check "fleet sign" "$SIGNET" fleet sign -C "$F" --keys "$K" --build "$T/bubo/out" --out "$S" \
	"$T/bubo.att" "$T/crucible.att"
grep -q "^bubo and crucible agree: " "$T/.out" && ok || ko "sign's report: $(head -c 300 "$T/.out")"
same "the manifest" "$T/bubo/out/manifest.json" "$S/manifest.json"
same "bubo's attestation" "$T/bubo.att" "$S/attestations/bubo.json"
python3 - "$S/manifest.json" >"$T/sums" <<'PY'
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["sha256"] + "  " + a["path"])
PY
(cd "$S" && sha256sum -c --quiet "$T/sums") && ok || ko "every built artifact in the release, unchanged"

# The DNS host's files, as NSD and Unbound read them.
N=$S/hosts/ns1
(cd "$N/nsd" && nsd-checkconf nsd.conf) && ok || ko "nsd-checkconf"
(cd "$N/unbound" && unbound-checkconf unbound.conf >/dev/null) && ok || ko "unbound-checkconf"
nsd-checkzone . "$N/nsd/zones/root.signed" >/dev/null && ok || ko "nsd-checkzone ."
nsd-checkzone example.internal "$N/nsd/zones/example.internal.signed" >/dev/null && ok || ko "nsd-checkzone example.internal"
ldns-verify-zone -V 1 -t $AT -k "$N/unbound/root.ds" "$N/nsd/zones/root.signed" && ok || ko "the root, from the anchor"
ldns-verify-zone -V 1 -t $AT "$N/nsd/zones/example.internal.signed" && ok || ko "example.internal"
# example.internal's KSK is the one the root delegates to.
awk '$4 == "DNSKEY" && $5 == 257' "$N/nsd/zones/example.internal.signed" >"$T/ksk"
(cd "$T" && ldns-key2ds -n -2 ksk) | awk '{print $4, $5, $6, $7, $8}' >"$T/ds.want"
awk '$1 == "example.internal." && $4 == "DS" {print $4, $5, $6, $7, $8}' "$N/nsd/zones/root.signed" >"$T/ds.got"
[ -s "$T/ds.want" ] && grep -qxFf "$T/ds.want" "$T/ds.got" && ok || ko "the root's DS for example.internal: $(cat "$T/ds.got")"
# Every host with an address has its SSHFP, from its ssh_host_key.
for h in app1 app2 bubo crucible ns1 web1; do
	fp=$(ssh-keygen -r "$h.example.internal" -f "$K/hosts/$h/ssh_host_ed25519_key.pub" | awk '$5 == 2 {print $6}')
	grep -q "^$h.example.internal.[[:space:]].*SSHFP[[:space:]]4 2 $fp" "$N/nsd/zones/example.internal.signed" &&
		ok || ko "SSHFP of $h"
done
[ "$(cat "$N/unbound/root.ds")" = "$(cat "$F/state/dns/root.ds")" ] && ok || ko "the resolver's anchor is state's"

# Signing the same build again gives the same release.
check "sign again" "$SIGNET" fleet sign -C "$F" --keys "$K" --build "$T/crucible/out" --out "$T/signed2" \
	"$T/crucible.att" "$T/bubo.att"
same "the same signed root" "$S/hosts/ns1/nsd/zones/root.signed" "$T/signed2/hosts/ns1/nsd/zones/root.signed"

finish
