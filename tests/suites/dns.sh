#!/bin/bash
# dns.sh - signet dns against ldns-verify-zone, dnssec-verify, NSD, Unbound,
# dig, ssh-keygen and openssl: a private root and two zones signed with
# NSEC and NSEC3, served by NSD on loopback and validated by an Unbound
# that trusts only our anchor; tampering, bad input, RFC 5011 rollover.
. "$(dirname "$0")/lib.sh"

for tool in ldns-verify-zone ldns-key2ds dnssec-verify nsd unbound dig ssh-keygen openssl \
	named-checkconf python3 age; do
	command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps check)" >&2; exit 1; }
done

D=$T/d
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# Two free loopback ports (UDP and TCP), chosen by the kernel.
read -r P_NSD P_UB < <(python3 - <<'PY'
import socket
ports = []
socks = []
while len(ports) < 2:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close(); continue
    socks += [t, u]
    ports.append(p)
print(*ports)
PY
)

# expect_in WHAT PATTERN FILE: grep -E must match.
expect_in() {
	if grep -Eq -- "$2" "$3"; then ok; else ko "$1: no /$2/ in $(head -c 600 "$3")"; fi
}

# verify_zone WHAT ORIGIN FILE: both peer verifiers accept the signed zone.
verify_zone() {
	if ldns-verify-zone "$3" >"$T/.v" 2>&1; then ok; else ko "$1: ldns-verify-zone: $(tail -3 "$T/.v")"; fi
	if dnssec-verify -o "$2" "$3" >"$T/.v" 2>&1; then ok; else ko "$1: dnssec-verify: $(tail -3 "$T/.v")"; fi
}

# same_chain WHAT ZONE SIGNED [ldns-signzone options]: apart from signatures
# and the SOA serial, SIGNED holds exactly what ldns-signzone makes of the
# same zone file with the same keys (DNSKEYs, NSEC/NSEC3 chain).
same_chain() {
	local what=$1 zone=$2 signed=$3 ksk zsk
	shift 3
	ksk=$(awk -v z="$zone." '$1 == "key" && $2 == z && $4 == 257 && $6 == "active" { printf "%05d", $5 }' "$D/dns.conf")
	zsk=$(awk -v z="$zone." '$1 == "key" && $2 == z && $4 == 256 { printf "%05d", $5 }' "$D/dns.conf")
	(cd "$D/keys" && ldns-signzone "$@" -f "$T/ref.signed" "../zones/$zone.zone" \
		"K$zone.+013+$ksk" "K$zone.+013+$zsk") >"$T/.ls" 2>&1 || { ko "$what: ldns-signzone: $(tail -2 "$T/.ls")"; return; }
	norm_zone "$T/ref.signed" >"$T/ref.norm"
	norm_zone "$signed" >"$T/our.norm"
	if cmp -s "$T/ref.norm" "$T/our.norm"; then ok; else ko "$what: differs from ldns-signzone: $(diff "$T/ref.norm" "$T/our.norm" | head -4)"; fi
}
norm_zone() {
	grep -v '^;' "$1" | sed 's/;.*//' | awk '$4 != "RRSIG" && $4 != "SOA" { if ($4 == "NSEC3PARAM") $2 = "-"; $1 = $1; print }' | sort
}

# snapshot: checksums of everything under $D (to prove nothing was written).
snapshot() { (cd "$D" && find . -type f ! -path './run/*' -print0 | sort -z | xargs -0 sha256sum); }

# --- help and usage ---
check "dns --help" "$SIGNET" dns --help
for sub in init add-zone sign check anchor config records rollover; do
	if "$SIGNET" dns $sub --help >"$T/.out" 2>&1 && head -1 "$T/.out" | grep -q '^Usage:'; then ok; else ko "dns $sub --help"; fi
done
"$SIGNET" dns sign >/dev/null 2>&1; [ $? -eq 2 ] && ok || ko "sign without --dir: exit 2"

# --- init and zones ---
check "init" "$SIGNET" dns init --dir "$D" --ns "ns.root=127.0.0.1@$P_NSD"
refuse "init twice" "$SIGNET" dns init --dir "$D"
check "add-zone example.org" "$SIGNET" dns add-zone --dir "$D" --zone example.org \
	--ns "ns1.example.org=127.0.0.1@$P_NSD"
check "add-zone example.net" "$SIGNET" dns add-zone --dir "$D" --zone Example.NET \
	--ns "ns1.example.net=127.0.0.1@$P_NSD"
refuse "add-zone inside a zone" "$SIGNET" dns add-zone --dir "$D" --zone sub.example.org \
	--ns ns1.sub.example.org=127.0.0.1
refuse "add-zone in-zone ns without glue" "$SIGNET" dns add-zone --dir "$D" --zone example.com \
	--ns ns1.example.com
refuse "add-zone bad address" "$SIGNET" dns add-zone --dir "$D" --zone example.com \
	--ns ns1.example.com=300.0.0.1
absent "no zone file after refused add-zone" "$D/zones/example.com.zone"
n_priv=0
for f in "$D"/keys/*.private; do
	n_priv=$((n_priv + 1))
	[ "$(stat -c %a "$f")" = 600 ] && ok || ko "$f mode $(stat -c %a "$f")"
done
[ "$n_priv" -eq 6 ] && ok || ko "expected 6 private keys, got $n_priv"
expect_in "KSK recorded" '^key \. 13 257 [0-9]+ active' "$D/dns.conf"
expect_in "ZSK recorded" '^key example\.org\. 13 256 [0-9]+ active' "$D/dns.conf"
expect_in "ns recorded" "^ns example\.net\. ns1\.example\.net\. 127\.0\.0\.1 $P_NSD" "$D/dns.conf"
expect_in "key files are BIND-style" 'Private-key-format: v1\.[23]' "$(ls "$D"/keys/K.+013+*.private | head -1)"

# --- records: SSHFP as ssh-keygen -r, TLSA 3 1 1 as openssl computes it ---
for t in ed25519 ecdsa rsa; do
	ssh-keygen -q -t $t -N '' -C test -f "$T/ssh_$t" </dev/null >/dev/null
done
for t in ed25519 ecdsa rsa; do ssh-keygen -r www.example.org -f "$T/ssh_$t.pub"; done >"$T/sshfp.ref"
check "records sshfp" "$SIGNET" dns records sshfp --host www.example.org \
	"$T/ssh_ed25519.pub" "$T/ssh_ecdsa.pub" "$T/ssh_rsa.pub"
cp "$T/.out" "$T/sshfp.out"
same "SSHFP equals ssh-keygen -r" "$T/sshfp.ref" "$T/sshfp.out"
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== x" >"$T/badkey.pub"
refuse "sshfp of a truncated key" "$SIGNET" dns records sshfp --host h "$T/badkey.pub"
echo "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x" >"$T/mismatch.pub"
refuse "sshfp of a key whose type lies" "$SIGNET" dns records sshfp --host h "$T/mismatch.pub"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls.key" \
	-out "$T/tls.crt" -subj /CN=www.example.org -days 30 >/dev/null 2>&1
want=$(openssl x509 -in "$T/tls.crt" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
check "records tlsa" "$SIGNET" dns records tlsa --host www.example.org --port 443 "$T/tls.crt"
cp "$T/.out" "$T/tlsa.out"
[ "$(cat "$T/tlsa.out")" = "_443._tcp.www.example.org. IN TLSA 3 1 1 $want" ] && ok ||
	ko "TLSA: $(cat "$T/tlsa.out") vs $want"
refuse "tlsa of a non-certificate" "$SIGNET" dns records tlsa --host h --port 443 "$T/tls.key"

# --- zone content ---
{
	echo 'www  3600 IN A 192.0.2.10'
	echo 'secret 3600 IN A 192.0.2.50'
	echo 'deep.a.b 3600 IN TXT "empty non-terminals above me"'
	echo '*.wild 3600 IN TXT "wildcard"'
	echo '@ 3600 IN MX 10 mail'
	echo 'mail 3600 IN A 192.0.2.25'
	echo '_sip._tcp 3600 IN SRV 0 5 5060 www'
	echo '@ 3600 IN CAA 0 issue "signet"'
	echo 'alias 3600 IN CNAME www'
	echo 'sub 3600 IN NS ns.sub'
	echo 'ns.sub 3600 IN A 192.0.2.99'
	sed 's/^www\.example\.org /www /' "$T/sshfp.out"
	sed 's/^_443\._tcp\.www\.example\.org\. /_443._tcp.www /' "$T/tlsa.out"
} >>"$D/zones/example.org.zone"
echo 'www 3600 IN A 192.0.2.20' >>"$D/zones/example.net.zone"

# --- sign with NSEC ---
check "sign (NSEC)" "$SIGNET" dns sign --dir "$D"
expect_in "sign reports root" '^\.: signed' "$T/.out"
verify_zone "root NSEC" . "$D/signed/root.signed"
verify_zone "example.org NSEC" example.org "$D/signed/example.org.signed"
verify_zone "example.net NSEC" example.net "$D/signed/example.net.signed"
same_chain "example.org NSEC" example.org "$D/signed/example.org.signed"
expect_in "root has the DS of example.org" '^example\.org\.[[:space:]]+86400[[:space:]]+IN[[:space:]]+DS[[:space:]]' "$D/signed/root.signed"
expect_in "root has glue" '^ns1\.example\.org\.[[:space:]].*IN[[:space:]]+A[[:space:]]+127\.0\.0\.1' "$D/signed/root.signed"
# The DS in the root is the one ldns-key2ds computes from the zone's KSK.
ksk=$(grep '^key example\.org\. 13 257' "$D/dns.conf" | awk '{print $5}')
kfile=$(printf '%s/keys/Kexample.org.+013+%05d.key' "$D" "$ksk")
(cd "$T" && ldns-key2ds -n -2 "$kfile" | awk '{print toupper($NF)}') >"$T/ds.ref"
grep -E '^example\.org\..*IN[[:space:]]+DS' "$D/signed/root.signed" | awk '{print toupper($NF)}' >"$T/ds.out"
same "DS of example.org matches ldns-key2ds" "$T/ds.ref" "$T/ds.out"
check "sign again" "$SIGNET" dns sign --dir "$D"
expect_in "unchanged zones are left alone" '^example\.org\.: up to date' "$T/.out"
check "check" "$SIGNET" dns check --dir "$D"
expect_in "check reports expiry" '^example\.org\. +[0-9]+ signatures, first expires 20[0-9-]+T.*: ok' "$T/.out"
echo 'late 3600 IN A 192.0.2.77' >>"$D/zones/example.net.zone"
refuse "check after an edit" "$SIGNET" dns check --dir "$D"
expect_in "check says the edited zone is stale" '^example\.net\. .*stale' "$T/.out"
expect_in "check says the others are fine" '^example\.org\. .*: ok$' "$T/.out"
check "sign the edit" "$SIGNET" dns sign --dir "$D"
expect_in "only the edited zone re-signed" '^example\.net\.: signed' "$T/.out"
expect_in "the others left alone" '^example\.org\.: up to date' "$T/.out"
check "check after signing the edit" "$SIGNET" dns check --dir "$D"
refuse "check with a refresh window past expiry" "$SIGNET" dns check --dir "$D" --refresh 40d
expect_in "check says refresh due" 'refresh due' "$T/.out"
# Signatures near expiry are refreshed: pretend it is 25 days later.
later=$(($(date +%s) + 25 * 86400))
check "sign 25 days later" "$SIGNET" dns sign --dir "$D" --now "$later"
expect_in "near-expiry zones re-signed" '^example\.org\.: signed' "$T/.out"
check "sign today again" "$SIGNET" dns sign --dir "$D" --force
# Every signing raises the SOA serial, even within one second and with a
# date-style serial above the Unix time in the file.
s1=$(soa_serial "$D/signed/example.net.signed")
check "sign again at once" "$SIGNET" dns sign --dir "$D" --force
s2=$(soa_serial "$D/signed/example.net.signed")
[ "$s2" -gt "$s1" ] && ok || ko "serial did not increase: $s1 -> $s2"
sed -i 's/ hostmaster\.example\.net\. 1 / hostmaster.example.net. 3026112201 /' "$D/zones/example.net.zone"
check "sign a date-style serial" "$SIGNET" dns sign --dir "$D"
s3=$(soa_serial "$D/signed/example.net.signed")
check "sign it again" "$SIGNET" dns sign --dir "$D" --force
s4=$(soa_serial "$D/signed/example.net.signed")
[ "$s3" = 3026112201 ] && [ "$s4" = 3026112202 ] && ok || ko "date-style serial: $s3 then $s4"

# --- anchors ---
rootksk=$(grep '^key \. 13 257' "$D/dns.conf" | awk '{print $5}')
rkfile=$(printf '%s/keys/K.+013+%05d.key' "$D" "$rootksk")
rootds=$(cd "$T" && ldns-key2ds -n -2 "$rkfile" | awk '{print toupper($NF)}')
check "anchor ds" "$SIGNET" dns anchor --dir "$D" --format ds
[ "$(cat "$T/.out")" = ". IN DS $rootksk 13 2 $rootds" ] && ok || ko "anchor ds: $(cat "$T/.out") vs $rootds"
check "anchor unbound" "$SIGNET" dns anchor --dir "$D" --format unbound -o "$T/ta.unbound"
expect_in "unbound anchor" "^\.[[:space:]]+86400[[:space:]]+IN[[:space:]]+DS[[:space:]]+$rootksk 13 2 $rootds\$" "$T/ta.unbound"
check "anchor resolved" "$SIGNET" dns anchor --dir "$D" --format resolved -o "$T/root.positive"
expect_in "resolved anchor" "^\. IN DS $rootksk 13 2 $rootds\$" "$T/root.positive"
for f in bind bind-static; do
	check "anchor $f" "$SIGNET" dns anchor --dir "$D" --format $f -o "$T/ta.$f"
	check "named-checkconf accepts $f" named-checkconf "$T/ta.$f"
done
expect_in "bind initial-key" "^[[:space:]]+\. initial-key 257 3 13 \"" "$T/ta.bind"
expect_in "bind static-ds" "\. static-ds $rootksk 13 2 \"$rootds\";" "$T/ta.bind-static"
check "anchor xml" "$SIGNET" dns anchor --dir "$D" --format xml -o "$T/root-anchors.xml"
if python3 - "$T/root-anchors.xml" "$rootksk" "$rootds" <<'PY'
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot()
assert t.tag == "TrustAnchor" and t.get("id") and t.get("source")
assert t.find("Zone").text == "."
kds = t.findall("KeyDigest")
assert len(kds) == 1, kds
k = kds[0]
assert k.get("id") and k.get("validFrom")
assert k.find("KeyTag").text == sys.argv[2]
assert k.find("Algorithm").text == "13"
assert k.find("DigestType").text == "2"
assert k.find("Digest").text == sys.argv[3]
assert k.find("Flags").text == "257" and k.find("PublicKey").text
PY
then ok; else ko "RFC 9718 XML anchor"; fi
refuse "unknown anchor format" "$SIGNET" dns anchor --dir "$D" --format nope

# --- bad input: one line, nothing written ---
before=$(snapshot)
cp "$D/zones/example.org.zone" "$T/org.bak"
line=$(($(wc -l <"$D/zones/example.org.zone") + 1))
echo 'broken 3600 IN A 300.1.2.3' >>"$D/zones/example.org.zone"
refuse "zone syntax error" "$SIGNET" dns sign --dir "$D" --force
expect_in "syntax error names file and line" "example\.org\.zone:$line: " "$T/.err"
cp "$T/org.bak" "$D/zones/example.org.zone"
echo 'www.example.com. 3600 IN A 192.0.2.1' >>"$D/zones/example.org.zone"
refuse "record outside the zone" "$SIGNET" dns sign --dir "$D" --force
expect_in "outside names file and line" "example\.org\.zone:$line: .*outside zone" "$T/.err"
cp "$T/org.bak" "$D/zones/example.org.zone"
echo 'www 3600 IN NSEC www.example.org. A' >>"$D/zones/example.org.zone"
refuse "DNSSEC records in a zone file" "$SIGNET" dns sign --dir "$D" --force
cp "$T/org.bak" "$D/zones/example.org.zone"
echo 'www.example.org. 3600 IN A 192.0.2.66' >>"$D/zones/root.zone"
refuse "root data inside a delegation" "$SIGNET" dns sign --dir "$D" --force
expect_in "delegation error names the zone" 'inside the delegated zone example\.org\.' "$T/.err"
sed -i '$d' "$D/zones/root.zone"
printf '$TTL 3600\n@ IN SOA ns hm 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n' >"$D/zones/evil.com.zone"
refuse "zone not delegated from the root" "$SIGNET" dns sign --dir "$D" --force
expect_in "undelegated zone named" 'evil\.com\.zone: zone evil\.com\. is not delegated' "$T/.err"
rm "$D/zones/evil.com.zone"
zsk=$(grep '^key example\.org\. 13 256' "$D/dns.conf" | awk '{print $5}')
zfile=$(printf '%s/keys/Kexample.org.+013+%05d.private' "$D" "$zsk")
mv "$zfile" "$T/zsk.bak"
refuse "missing private key" "$SIGNET" dns sign --dir "$D" --force
expect_in "missing key named" 'Kexample\.org\.\+013\+[0-9]+\.private: missing key' "$T/.err"
mv "$T/zsk.bak" "$zfile"
sed -i 's/^key \. 13 257/key . 13 999/' "$D/dns.conf"
refuse "corrupt dns.conf" "$SIGNET" dns sign --dir "$D" --force
expect_in "dns.conf error has a line" 'dns\.conf:[0-9]+: ' "$T/.err"
sed -i 's/^key \. 13 999/key . 13 257/' "$D/dns.conf"
after=$(snapshot)
[ "$before" = "$after" ] && ok || ko "refused commands changed files: $(diff <(echo "$before") <(echo "$after") | head -5)"

# --- many names: the parallel signer (chunks over threads) ---
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "h%04d 300 IN A 10.0.%d.%d\nh%04d 300 IN TXT \"n%d\"\n", i, int(i / 256), i % 256, i, i }' \
	>>"$D/zones/example.net.zone"
for th in 2 3; do
	check "sign 3000 names with $th threads" "$SIGNET" dns sign --dir "$D" --force --threads $th
	verify_zone "3000 names, $th threads" example.net "$D/signed/example.net.signed"
	same_chain "3000 names, $th threads" example.net "$D/signed/example.net.signed"
done
n_sig=$(grep -c 'IN	RRSIG' "$D/signed/example.net.signed")
[ "$n_sig" -ge 9000 ] && ok || ko "expected at least 9000 signatures, got $n_sig"

# --- NSEC3 ---
check "sign --nsec3" "$SIGNET" dns sign --dir "$D" --nsec3
verify_zone "root NSEC3" . "$D/signed/root.signed"
verify_zone "example.org NSEC3" example.org "$D/signed/example.org.signed"
same_chain "example.org NSEC3" example.org "$D/signed/example.org.signed" -n -t 0
expect_in "NSEC3PARAM (RFC 9276)" 'IN[[:space:]]+NSEC3PARAM[[:space:]]+1 0 0 -' "$D/signed/example.org.signed"

# --- NSD and Unbound on loopback ---
check "config nsd" "$SIGNET" dns config nsd --dir "$D" --port "$P_NSD" -o "$T/nsd.conf"
check "config unbound" "$SIGNET" dns config unbound --dir "$D" --port "$P_UB" \
	--authority "127.0.0.1@$P_NSD" -o "$T/unbound.conf"
check "nsd-checkconf" nsd-checkconf "$T/nsd.conf"
check "unbound-checkconf" unbound-checkconf "$T/unbound.conf"
expect_in "unbound stub for the root" "stub-addr: 127\.0\.0\.1@$P_NSD" "$T/unbound.conf"
if grep -Eq 'root-hints|auto-trust-anchor|root\.key' "$T/unbound.conf"; then ko "unbound config mentions hints or IANA anchor"; else ok; fi
check "config unbound --auto-anchor (RFC 5011)" "$SIGNET" dns config unbound --dir "$D" --port "$P_UB" \
	--authority "127.0.0.1@$P_NSD" --anchor-file "$T/auto.anchor" --auto-anchor -o "$T/unbound-auto.conf"
expect_in "auto-trust-anchor-file" 'auto-trust-anchor-file: ".*/auto\.anchor"' "$T/unbound-auto.conf"
check "unbound-checkconf (auto)" unbound-checkconf "$T/unbound-auto.conf"

start_nsd() {
	nsd -d -c "$T/nsd.conf" >>"$T/nsd.log" 2>&1 &
	NSD_PID=$!
	PIDS="$PIDS $NSD_PID"
	for _ in $(seq 50); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$P_NSD" . SOA >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop_nsd() { kill "$NSD_PID" 2>/dev/null; wait "$NSD_PID" 2>/dev/null; }
start_nsd && ok || ko "nsd did not start: $(tail -5 "$T/nsd.log")"
start_unbound() {
	unbound -d -c "$T/unbound.conf" >>"$T/unbound.log" 2>&1 &
	UB_PID=$!
	PIDS="$PIDS $UB_PID"
	for _ in $(seq 50); do
		dig +time=1 +tries=1 @127.0.0.1 -p "$P_UB" . SOA >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop_unbound() { kill "$UB_PID" 2>/dev/null; wait "$UB_PID" 2>/dev/null; }
start_unbound && ok || ko "unbound did not start: $(tail -5 "$T/unbound.log")"

# ask NAME TYPE: dig through Unbound, output in $T/dig.
ask() { timeout 20 dig +dnssec +time=5 +tries=2 @127.0.0.1 -p "$P_UB" "$1" "$2" >"$T/dig" 2>&1; }
ask www.example.org A
expect_in "www.example.org validated (ad)" 'flags: qr rd ra ad;' "$T/dig"
expect_in "www.example.org answer" 'www\.example\.org\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.10' "$T/dig"
ask www.example.net A
expect_in "www.example.net validated (ad)" 'flags: qr rd ra ad;' "$T/dig"
ask www.example.org SSHFP
expect_in "SSHFP validated (ad)" 'flags: qr rd ra ad;' "$T/dig"
expect_in "SSHFP answer" 'IN[[:space:]]+SSHFP[[:space:]]+4 2 ' "$T/dig"
ask _443._tcp.www.example.org TLSA
expect_in "TLSA validated (ad)" 'flags: qr rd ra ad;' "$T/dig"
expect_in "TLSA answer" "IN[[:space:]]+TLSA[[:space:]]+3 1 1 " "$T/dig"
ask anything.wild.example.org TXT
expect_in "wildcard answer validated (ad)" 'flags: qr rd ra ad;' "$T/dig"
expect_in "wildcard answer" 'anything\.wild\.example\.org\..*TXT[[:space:]]+"wildcard"' "$T/dig"
ask alias.example.org A
expect_in "CNAME chain validated (ad)" 'flags: qr rd ra ad;' "$T/dig"
ask nothere.example.org A
expect_in "NXDOMAIN proven (ad)" 'status: NXDOMAIN.*' "$T/dig"
expect_in "NXDOMAIN validated" 'flags: qr rd ra ad;' "$T/dig"

# A record edited in the signed zone without re-signing: SERVFAIL.
stop_nsd
sed -i 's/192\.0\.2\.50/192.0.2.51/' "$D/signed/example.org.signed"
start_nsd && ok || ko "nsd did not restart"
ask secret.example.org A
expect_in "tampered record gets SERVFAIL" 'status: SERVFAIL' "$T/dig"
# Re-signing repairs it.
stop_nsd
check "re-sign after tampering" "$SIGNET" dns sign --dir "$D" --nsec3 --force
start_nsd && ok || ko "nsd did not restart"
ask www.example.net A
expect_in "still validating after re-sign" 'flags: qr rd ra ad;' "$T/dig"

# --- RFC 5011 rollover of the root KSK ---
check "rollover start" "$SIGNET" dns rollover start --dir "$D"
refuse "rollover start twice" "$SIGNET" dns rollover start --dir "$D"
check "sign with two KSKs" "$SIGNET" dns sign --dir "$D"
verify_zone "root with new KSK" . "$D/signed/root.signed"
expect_in "two KSKs in the root" 'KSKs: 2 active' "$T/.v"
check "anchor during rollover" "$SIGNET" dns anchor --dir "$D" --format ds
[ "$(wc -l <"$T/.out")" -eq 2 ] && ok || ko "anchor should list both KSKs"
check "rollover status" "$SIGNET" dns rollover status --dir "$D"
expect_in "status shows hold-down" 'hold-down' "$T/.out"
refuse "revoke inside the hold-down" "$SIGNET" dns rollover revoke --dir "$D"
check "revoke after 31 days" "$SIGNET" dns rollover revoke --dir "$D" --now $(($(date +%s) + 31 * 86400))
check "sign with revoked KSK" "$SIGNET" dns sign --dir "$D"
verify_zone "root with revoked KSK" . "$D/signed/root.signed"
expect_in "revoked KSK seen by dnssec-verify" '1 revoked' "$T/.v"
expect_in "revoked key published (flags 385)" 'IN[[:space:]]+DNSKEY[[:space:]]+385 3 13' "$D/signed/root.signed"
check "anchor after revoke" "$SIGNET" dns anchor --dir "$D" --format ds
[ "$(wc -l <"$T/.out")" -eq 1 ] && ! grep -q " $rootksk 13 " "$T/.out" && ok || ko "anchor should hold only the new KSK"
expect_in "unbound anchor file follows" "IN[[:space:]]+DS[[:space:]]+$(awk '{print $4}' "$T/.out") 13 2" "$D/anchors/root.anchor"
check "xml anchor after revoke" "$SIGNET" dns anchor --dir "$D" --format xml -o "$T/rolled.xml"
if python3 - "$T/rolled.xml" "$rootksk" <<'PY'
import sys, xml.etree.ElementTree as ET
kds = ET.parse(sys.argv[1]).getroot().findall("KeyDigest")
old = [k for k in kds if k.find("KeyTag").text == sys.argv[2]]
new = [k for k in kds if k.find("KeyTag").text != sys.argv[2]]
assert len(old) == 1 and old[0].get("validUntil"), "old key needs validUntil"
assert len(new) == 1 and not new[0].get("validUntil")
PY
then ok; else ko "RFC 9718 XML after revoke"; fi
refuse "finish inside the hold-down" "$SIGNET" dns rollover finish --dir "$D"
check "finish after 62 days" "$SIGNET" dns rollover finish --dir "$D" --now $(($(date +%s) + 62 * 86400))
check "sign after rollover" "$SIGNET" dns sign --dir "$D"
verify_zone "root after rollover" . "$D/signed/root.signed"
if grep -Eq 'DNSKEY[[:space:]]+385' "$D/signed/root.signed"; then ko "revoked key still published"; else ok; fi
# A zone's KSK rolls too: its DS in the root follows (both during the roll).
check "rollover start example.net" "$SIGNET" dns rollover start --dir "$D" --zone example.net
check "sign with two example.net KSKs" "$SIGNET" dns sign --dir "$D"
n_ds=$(grep -Ec '^example\.net\.[[:space:]].*IN[[:space:]]+DS[[:space:]]' "$D/signed/root.signed")
[ "$n_ds" -eq 2 ] && ok || ko "expected 2 DS for example.net during its rollover, got $n_ds"
verify_zone "example.net with new KSK" example.net "$D/signed/example.net.signed"
check "revoke example.net KSK" "$SIGNET" dns rollover revoke --dir "$D" --zone example.net --force
check "sign after example.net revoke" "$SIGNET" dns sign --dir "$D"
n_ds=$(grep -Ec '^example\.net\.[[:space:]].*IN[[:space:]]+DS[[:space:]]' "$D/signed/root.signed")
[ "$n_ds" -eq 1 ] && ok || ko "expected 1 DS for example.net after revoke, got $n_ds"
verify_zone "example.net with revoked KSK" example.net "$D/signed/example.net.signed"
# Unbound restarted with the new anchor validates the new chain.
stop_unbound
stop_nsd
start_nsd && ok || ko "nsd did not restart"
start_unbound && ok || ko "unbound did not restart"
ask www.example.org A
expect_in "validated with the rolled anchor (ad)" 'flags: qr rd ra ad;' "$T/dig"
ask www.example.net A
expect_in "rolled zone KSK validates (ad)" 'flags: qr rd ra ad;' "$T/dig"

# --- Ed25519 root ---
E=$T/e
check "init ed25519" "$SIGNET" dns init --dir "$E" --alg ed25519
check "add-zone ed25519" "$SIGNET" dns add-zone --dir "$E" --zone corp.internal --ns ns.corp.internal=10.0.0.1
check "sign ed25519 nsec3" "$SIGNET" dns sign --dir "$E" --nsec3
verify_zone "ed25519 root" . "$E/signed/root.signed"
verify_zone "ed25519 zone" corp.internal "$E/signed/corp.internal.signed"

# --- private keys age-encrypted at rest ---
A=$T/a
"$SIGNET" age-keygen -o "$T/id.key" 2>/dev/null
"$SIGNET" age-keygen -o "$T/other.key" 2>/dev/null
check "init with an age recipient" "$SIGNET" dns init --dir "$A" --age-recipient "$("$SIGNET" age-keygen -y "$T/id.key")"
check "add-zone (age)" "$SIGNET" dns add-zone --dir "$A" --zone corp.example --ns ns.corp.example=192.0.2.53
n_age=$(ls "$A"/keys/*.private.age | wc -l)
[ "$n_age" -eq 4 ] && ok || ko "expected 4 .private.age keys, got $n_age"
if ls "$A"/keys/*.private >/dev/null 2>&1 || grep -rqa 'Private-key-format' "$A"; then
	ko "a private key is on disk in plaintext"
else ok; fi
for f in "$A"/keys/*.private.age; do
	[ "$(stat -c %a "$f")" = 600 ] && ok || ko "$f mode $(stat -c %a "$f")"
done
f=$(ls "$A"/keys/K.+013+*.private.age | head -1)
if age -d -i "$T/id.key" "$f" 2>/dev/null | grep -q '^Private-key-format: v1'; then ok; else ko "age cannot decrypt $f"; fi
refuse "sign without the identity" "$SIGNET" dns sign --dir "$A"
expect_in "missing identity named" 'private\.age: key is age-encrypted' "$T/.err"
refuse "sign with the wrong identity" "$SIGNET" dns sign --dir "$A" --age-identity "$T/other.key"
n_signed=$(ls "$A/signed" | wc -l)
[ "$n_signed" -eq 0 ] && ok || ko "refused sign wrote $n_signed files"
check "sign with the identity" "$SIGNET" dns sign --dir "$A" --age-identity "$T/id.key"
verify_zone "root from age keys" . "$A/signed/root.signed"
verify_zone "zone from age keys" corp.example "$A/signed/corp.example.signed"
check "rollover start (age)" "$SIGNET" dns rollover start --dir "$A"
n_age=$(ls "$A"/keys/*.private.age | wc -l)
[ "$n_age" -eq 5 ] && ok || ko "new KSK not age-encrypted ($n_age)"

# Unbound trusts only the anchor it is given: with another root's anchor
# our zones do not validate.
check "another root's anchor" "$SIGNET" dns anchor --dir "$E" --format unbound -o "$D/anchors/root.anchor"
stop_unbound
start_unbound && ok || ko "unbound did not restart"
ask www.example.org A
expect_in "a foreign anchor gets SERVFAIL" 'status: SERVFAIL' "$T/dig"

finish
