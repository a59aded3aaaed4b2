#!/bin/bash
# signet ca: chains that openssl verifies, name constraints that hold,
# mutual TLS with openssl s_server/s_client and curl, CRLs that revoke,
# minica's files both ways, CA keys age-encrypted at rest (checked with
# the real age), and bad input that writes nothing.
. "$(dirname "$0")/lib.sh"

for tool in openssl curl minica age age-keygen python3; do
	command -v $tool >/dev/null || { echo "missing $tool (scripts/deps check)" >&2; exit 1; }
done

# The state of a directory tree, to prove a refused command wrote nothing.
snap() { (cd "$1" && find . -printf '%p %s %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }
unchanged() { # DESCRIPTION DIR SNAPFILE
	if snap "$2" | cmp -s - "$3"; then ok; else ko "$1: $2 changed"; fi
}
mode_of() { stat -c %a "$1"; }
expect() { # DESCRIPTION PATTERN FILE: grep -E
	if grep -Eq -- "$2" "$3"; then ok; else ko "$1: /$2/ not in $3"; fi
}
reject() { # DESCRIPTION PATTERN FILE: must NOT match
	if grep -Eq -- "$2" "$3"; then ko "$1: /$2/ found in $3"; else ok; fi
}
fails() { # DESCRIPTION COMMAND...: a peer tool must reject (any output)
	local what=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then ko "$what: succeeded but should fail"; else ok; fi
}
verify() { # CA LEAFCERT [extra openssl verify args]: full chain from cert.pem
	local ca=$1 cert=$2; shift 2
	openssl verify -CAfile "$ca" -untrusted "$cert" "$@" "$cert"
}

# ---- help ----
for sub in init issue revoke crl list renew trust minica; do
	check "ca $sub --help" "$SIGNET" ca $sub --help
	[ "$(head -c 6 "$T/.out")" = "Usage:" ] && ok || ko "ca $sub --help starts with Usage:"
done

# ---- a root-only CA ----
R=$T/root-only
check "init root-only" "$SIGNET" ca init --dir "$R" --name "Example Root"
[ "$(mode_of "$R/root/ca-key.pem")" = 600 ] && ok || ko "root key mode 0600"
openssl x509 -in "$R/ca.pem" -noout -text >"$T/root.txt"
expect "root basicConstraints critical CA:TRUE" "Basic Constraints: critical" "$T/root.txt"
expect "root CA:TRUE" "CA:TRUE" "$T/root.txt"
expect "root keyUsage critical" "Key Usage: critical" "$T/root.txt"
expect "root keyCertSign + cRLSign" "Certificate Sign, CRL Sign" "$T/root.txt"
expect "root SKI" "Subject Key Identifier" "$T/root.txt"
expect "root AKI" "Authority Key Identifier" "$T/root.txt"
expect "root CN" "Subject: CN ?= ?Example Root" "$T/root.txt"
snap "$R" >"$T/r.snap"
refuse "init over an existing CA" "$SIGNET" ca init --dir "$R"
unchanged "init over an existing CA" "$R" "$T/r.snap"

check "issue server cert" "$SIGNET" ca issue --dir "$R" --domains www.example.org,example.org --ip-addresses 192.0.2.7
check "openssl verify root-only chain" verify "$R/ca.pem" "$R/www.example.org/cert.pem"
openssl x509 -in "$R/www.example.org/cert.pem" -noout -text >"$T/leaf.txt"
expect "leaf SAN" "DNS:www.example.org, DNS:example.org, IP Address:192.0.2.7" "$T/leaf.txt"
expect "leaf CN is the first name" "Subject: CN ?= ?www.example.org" "$T/leaf.txt"
expect "leaf EKU serverAuth" "TLS Web Server Authentication" "$T/leaf.txt"
reject "leaf no clientAuth" "Client Authentication" "$T/leaf.txt"
expect "leaf CA:FALSE" "CA:FALSE" "$T/leaf.txt"
expect "leaf AKI" "Authority Key Identifier" "$T/leaf.txt"
days=$(( ($(date -d "$(openssl x509 -in "$R/www.example.org/cert.pem" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400 ))
[ "$days" -ge 396 ] && [ "$days" -le 397 ] && ok || ko "default validity 397 days (got $days)"
serial=$(openssl x509 -in "$R/www.example.org/cert.pem" -noout -serial | cut -d= -f2)
[ ${#serial} -ge 30 ] && ok || ko "128-bit serial (got $serial)"
grep -q "$serial" "$R/index.txt" && ok || ko "serial recorded in index.txt"
[ "$(mode_of "$R/www.example.org/key.pem")" = 600 ] && ok || ko "leaf key mode 0600"
openssl pkey -in "$R/www.example.org/key.pem" -pubout >"$T/k.pub" 2>/dev/null
openssl x509 -in "$R/www.example.org/cert.pem" -noout -pubkey >"$T/c.pub"
same "key.pem matches cert.pem" "$T/k.pub" "$T/c.pub"

# An existing leaf is never overwritten.
snap "$R" >"$T/r.snap"
refuse "issue over an existing leaf" "$SIGNET" ca issue --dir "$R" --domains www.example.org
unchanged "issue over an existing leaf" "$R" "$T/r.snap"

# Wildcard directory name, and every algorithm.
check "issue wildcard" "$SIGNET" ca issue --dir "$R" --domains '*.apps.example.org'
[ -f "$R/_.apps.example.org/cert.pem" ] && ok || ko "'*' becomes '_' in the directory"
for alg in ecdsa-p384 ed25519 rsa3072; do
	A=$T/alg-$alg
	check "init $alg" "$SIGNET" ca init --dir "$A" --alg $alg --intermediate
	check "issue $alg" "$SIGNET" ca issue --dir "$A" --domains $alg.example.org --alg $alg
	check "verify $alg chain" verify "$A/ca.pem" "$A/$alg.example.org/cert.pem"
done
openssl x509 -in "$T/alg-rsa3072/rsa3072.example.org/cert.pem" -noout -text >"$T/rsa.txt"
expect "RSA leaf: keyEncipherment" "Digital Signature, Key Encipherment" "$T/rsa.txt"
expect "RSA leaf: 3072 bits" "3072 bit" "$T/rsa.txt"

# ---- a constrained CA with an intermediate ----
C=$T/constrained
check "init constrained with intermediate" "$SIGNET" ca init --dir "$C" --name "Org Root" \
	--permit-dns example.com --permit-dns .corp.example.net --permit-ip 127.0.0.0/8 --intermediate
[ -f "$C/root/ca-key.pem" ] && [ -f "$C/intermediate/key.pem" ] && [ -f "$C/intermediate/cert.pem" ] && ok ||
	ko "root key apart from the intermediate"
[ "$(mode_of "$C/intermediate/key.pem")" = 600 ] && ok || ko "intermediate key mode 0600"
check "issue server under intermediate" "$SIGNET" ca issue --dir "$C" \
	--domains server.example.com,a.b.corp.example.net --ip-addresses 127.0.0.1
check "issue client under intermediate" "$SIGNET" ca issue --dir "$C" --domains client.example.com --client
check "openssl verify intermediate chain" verify "$C/ca.pem" "$C/server.example.com/cert.pem"
check "openssl verify client chain (sslclient)" verify "$C/ca.pem" "$C/client.example.com/cert.pem" -purpose sslclient
fails "server cert is no client cert" verify "$C/ca.pem" "$C/server.example.com/cert.pem" -purpose sslclient
[ "$(grep -c 'BEGIN CERTIFICATE' "$C/server.example.com/cert.pem")" = 2 ] && ok || ko "cert.pem holds leaf then intermediate"
# The constraints travel in the chain: the intermediate as cert.pem carries it.
awk '/BEGIN/{n++} n==2' "$C/server.example.com/cert.pem" | openssl x509 -noout -text >"$T/int.txt"
expect "intermediate pathlen 0" "CA:TRUE, pathlen:0" "$T/int.txt"
expect "intermediate name constraints critical" "Name Constraints: critical" "$T/int.txt"
expect "intermediate permits example.com" "DNS:example.com" "$T/int.txt"
expect "intermediate permits .corp.example.net" "DNS:.corp.example.net" "$T/int.txt"
expect "intermediate permits 127/8" "IP:127.0.0.0/255.0.0.0" "$T/int.txt"
openssl x509 -in "$C/ca.pem" -noout -text >"$T/croot.txt"
expect "root name constraints critical" "Name Constraints: critical" "$T/croot.txt"
awk '/BEGIN/{n++} n==1' "$C/client.example.com/cert.pem" | openssl x509 -noout -text >"$T/client.txt"
expect "client EKU clientAuth" "TLS Web Client Authentication" "$T/client.txt"
reject "client has no serverAuth" "Server Authentication" "$T/client.txt"

# The root key can go offline: issuing and CRLs use the intermediate only.
mv "$C/root/ca-key.pem" "$T/offline-root-key.pem"
check "issue with the root key offline" "$SIGNET" ca issue --dir "$C" --domains offline.example.com
check "crl with the root key offline" "$SIGNET" ca crl --dir "$C" -o "$T/crl-offline.pem"
check "verify leaf issued offline" verify "$C/ca.pem" "$C/offline.example.com/cert.pem"
mv "$T/offline-root-key.pem" "$C/root/ca-key.pem"

# Outside the constraints: refused before anything is written.
snap "$C" >"$T/c.snap"
refuse "DNS name outside constraints" "$SIGNET" ca issue --dir "$C" --domains evil.com
expect "error names the constraint" "outside the CA's name constraints" "$T/.err"
refuse "lookalike suffix" "$SIGNET" ca issue --dir "$C" --domains badexample.com
refuse "apex of a .suffix constraint" "$SIGNET" ca issue --dir "$C" --domains corp.example.net
refuse "IP outside permitted ranges" "$SIGNET" ca issue --dir "$C" --domains ok.example.com --ip-addresses 10.0.0.1
refuse "IPv6 outside permitted ranges" "$SIGNET" ca issue --dir "$C" --domains ok.example.com --ip-addresses ::1
refuse "email outside" "$SIGNET" ca issue --dir "$C" --domains ok.example.com --email root@evil.com
refuse "URI outside" "$SIGNET" ca issue --dir "$C" --domains ok.example.com --uri https://evil.com/x
refuse "second name outside" "$SIGNET" ca issue --dir "$C" --domains ok.example.com,evil.com
unchanged "refused issues wrote nothing" "$C" "$T/c.snap"
check "email and URI inside" "$SIGNET" ca issue --dir "$C" --domains svc.example.com \
	--email ops@example.com --uri spiffe://mesh.example.com/svc --client
check "verify email/URI leaf" verify "$C/ca.pem" "$C/svc.example.com/cert.pem" -purpose sslclient

# An IP-only CA: addresses only, no DNS names at all.
P=$T/ip-only
check "init IP-only CA" "$SIGNET" ca init --dir "$P" --permit-ip 10.0.0.0/8 --permit-ip fd00::/8
check "issue IP leaf" "$SIGNET" ca issue --dir "$P" --ip-addresses 10.9.8.7,fd00::7
check "verify IP leaf" verify "$P/ca.pem" "$P/10.9.8.7/cert.pem"
refuse "DNS name under IP-only CA" "$SIGNET" ca issue --dir "$P" --domains host.example.com

# ---- mutual TLS on loopback ----
S=$C/server.example.com
K=$C/client.example.com
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$T"' EXIT
# A random high port; another one if it is taken.
for _ in 1 2 3 4 5; do
	PORT=$((20000 + RANDOM % 30000))
	openssl s_server -accept 127.0.0.1:$PORT -cert "$S/cert.pem" -key "$S/key.pem" -cert_chain "$S/cert.pem" \
		-CAfile "$C/ca.pem" -Verify 3 -verify_return_error -www -quiet >"$T/server.log" 2>&1 &
	SERVER=$!
	for _ in $(seq 50); do
		(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break 2
		kill -0 $SERVER 2>/dev/null || break
		sleep 0.1
	done
	kill $SERVER 2>/dev/null
	SERVER=
done
[ -n "$SERVER" ] && ok || ko "openssl s_server did not start: $(head -3 "$T/server.log")"
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -CAfile "$C/ca.pem" \
	-verify_return_error -verify_hostname server.example.com -cert "$K/cert.pem" -key "$K/key.pem" \
	-cert_chain "$K/cert.pem" -ign_eof >"$T/sc.out" 2>&1
[ $? -eq 0 ] && ok || ko "s_client mutual TLS exits 0: $(tail -3 "$T/sc.out")"
expect "s_client verified the server" "Verify return code: 0 \(ok\)" "$T/sc.out"
expect "server answered after client auth" "HTTP/1.0 200 ok" "$T/sc.out"
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -CAfile "$C/ca.pem" \
	-verify_return_error -verify_hostname other.example.com -cert "$K/cert.pem" -key "$K/key.pem" \
	-cert_chain "$K/cert.pem" -ign_eof >"$T/sc2.out" 2>&1
[ $? -ne 0 ] && ok || ko "s_client refuses a wrong host name"
check "curl with client certificate" timeout 10 curl -sS --cacert "$C/ca.pem" --cert "$K/cert.pem" --key "$K/key.pem" \
	--resolve server.example.com:$PORT:127.0.0.1 https://server.example.com:$PORT/
expect "curl got the page" "s_server" "$T/.out"
if timeout 10 curl -sS --cacert "$C/ca.pem" --resolve server.example.com:$PORT:127.0.0.1 \
	https://server.example.com:$PORT/ >"$T/nocert.out" 2>&1; then
	ko "client without a certificate must be refused"
else
	ok
fi
reject "no page without a client certificate" "s_server" "$T/nocert.out"
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -CAfile "$C/ca.pem" \
	-verify_return_error -verify_hostname server.example.com -ign_eof >"$T/sc3.out" 2>&1
reject "s_client without a certificate gets no page" "HTTP/1.0 200 ok" "$T/sc3.out"
# A client certificate from another CA is refused too.
check "issue client from the root-only CA" "$SIGNET" ca issue --dir "$R" --domains stranger.example.com --client
if timeout 10 curl -sS --cacert "$C/ca.pem" --cert "$R/stranger.example.com/cert.pem" \
	--key "$R/stranger.example.com/key.pem" --resolve server.example.com:$PORT:127.0.0.1 \
	https://server.example.com:$PORT/ >"$T/stranger.out" 2>&1; then
	ko "client certificate of another CA must be refused"
else
	ok
fi
kill $SERVER 2>/dev/null
wait $SERVER 2>/dev/null
SERVER=

# ---- revocation ----
check "crl before revocation" "$SIGNET" ca crl --dir "$C" -o "$T/crl0.pem"
check "not revoked passes crl_check" verify "$C/ca.pem" "$K/cert.pem" -crl_check -CRLfile "$T/crl0.pem"
check "revoke by certificate file" "$SIGNET" ca revoke --dir "$C" "$K/cert.pem" --reason keyCompromise
refuse "revoke twice" "$SIGNET" ca revoke --dir "$C" "$K/cert.pem"
sserial=$(openssl x509 -in "$S/cert.pem" -noout -serial | cut -d= -f2)
check "revoke by serial" "$SIGNET" ca revoke --dir "$C" "$(echo "$sserial" | tr A-F a-f)" --reason superseded
refuse "revoke unknown serial" "$SIGNET" ca revoke --dir "$C" 0123456789ABCDEF
refuse "revoke a cert of another CA" "$SIGNET" ca revoke --dir "$C" "$R/www.example.org/cert.pem"
refuse "unknown reason" "$SIGNET" ca revoke --dir "$C" 01 --reason because
check "crl" "$SIGNET" ca crl --dir "$C" -o "$T/crl.pem" --days 7
if verify "$C/ca.pem" "$K/cert.pem" -crl_check -CRLfile "$T/crl.pem" >"$T/v.out" 2>&1; then
	ko "revoked client cert must fail crl_check"
else
	ok
fi
expect "openssl says revoked" "certificate revoked" "$T/v.out"
if verify "$C/ca.pem" "$S/cert.pem" -crl_check -CRLfile "$T/crl.pem" >/dev/null 2>&1; then
	ko "revoked server cert must fail crl_check"
else
	ok
fi
check "unrevoked passes with the new CRL" verify "$C/ca.pem" "$C/svc.example.com/cert.pem" -purpose sslclient \
	-crl_check -CRLfile "$T/crl.pem"
openssl crl -in "$T/crl.pem" -noout -text >"$T/crl.txt"
expect "CRL v2" "Version 2" "$T/crl.txt"
expect "CRL number present" "X509v3 CRL Number: *$" "$T/crl.txt"
grep -A1 "CRL Number" "$T/crl.txt" | grep -q "^ *3$" && ok || ko "third CRL has number 3"
expect "CRL AKI" "Authority Key Identifier" "$T/crl.txt"
expect "CRL nextUpdate" "Next Update" "$T/crl.txt"
expect "CRL issued by the intermediate" "Issuer: CN ?= ?Org Root intermediate" "$T/crl.txt"
expect "CRL reason keyCompromise" "Key Compromise" "$T/crl.txt"
check "CRL signature verifies" openssl crl -in "$T/crl.pem" -noout -CAfile "$C/intermediate/cert.pem"
check "list" "$SIGNET" ca list --dir "$C"
expect "list shows revoked" "^revoked .*client.example.com.*reason=keyCompromise" "$T/.out"
expect "list shows valid" "^valid .*svc.example.com" "$T/.out"
# OpenSSL's own OCSP responder reads our index.txt.
openssl ocsp -index "$C/index.txt" -CA "$C/intermediate/cert.pem" -rsigner "$C/intermediate/cert.pem" \
	-rkey "$C/intermediate/key.pem" -issuer "$C/intermediate/cert.pem" -cert "$K/cert.pem" \
	-reqout "$T/req.der" -no_nonce >/dev/null 2>&1
openssl ocsp -index "$C/index.txt" -CA "$C/intermediate/cert.pem" -rsigner "$C/intermediate/cert.pem" \
	-rkey "$C/intermediate/key.pem" -reqin "$T/req.der" -respout "$T/resp.der" >/dev/null 2>&1
openssl ocsp -respin "$T/resp.der" -resp_text -noverify >"$T/ocsp.txt" 2>&1
expect "openssl ocsp reads index.txt: revoked" "Cert Status: revoked" "$T/ocsp.txt"

# ---- CSR signing ----
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/csr.key" -subj /CN=ignored \
	-addext subjectAltName=DNS:csr.example.com,IP:127.0.0.9 -out "$T/req.csr" 2>/dev/null
check "sign a CSR (names from its SAN)" "$SIGNET" ca issue --dir "$C" --csr "$T/req.csr"
check "verify CSR-signed cert" verify "$C/ca.pem" "$C/csr.example.com/cert.pem"
absent "no key.pem for a CSR" "$C/csr.example.com/key.pem"
openssl x509 -in "$C/csr.example.com/cert.pem" -noout -pubkey >"$T/csrc.pub"
openssl pkey -in "$T/csr.key" -pubout >"$T/csrk.pub"
same "CSR key certified" "$T/csrk.pub" "$T/csrc.pub"
check "sign a CSR with names from options" "$SIGNET" ca issue --dir "$C" --csr "$T/req.csr" --domains other.example.com
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/bad.key" -subj /CN=x \
	-addext subjectAltName=DNS:evil.org -out "$T/evil.csr" 2>/dev/null
snap "$C" >"$T/c.snap"
refuse "CSR names outside constraints" "$SIGNET" ca issue --dir "$C" --csr "$T/evil.csr"
# Flip a byte inside the signature: the self-signature no longer verifies.
openssl req -in "$T/req.csr" -outform DER -out "$T/req.der" 2>/dev/null
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-5]^=1; open(sys.argv[2],'wb').write(b)" \
	"$T/req.der" "$T/tampered.der"
refuse "tampered CSR" "$SIGNET" ca issue --dir "$C" --csr "$T/tampered.der" --domains t.example.com
expect "tampered CSR: signature" "signature does not verify" "$T/.err"
unchanged "refused CSRs wrote nothing" "$C" "$T/c.snap"

# ---- renewal ----
old_serial=$(openssl x509 -in "$R/www.example.org/cert.pem" -noout -serial | cut -d= -f2)
cp "$R/www.example.org/key.pem" "$T/old.key"
check "renew" "$SIGNET" ca renew --dir "$R" www.example.org
new_serial=$(openssl x509 -in "$R/www.example.org/cert.pem" -noout -serial | cut -d= -f2)
[ "$old_serial" != "$new_serial" ] && ok || ko "renew changes the serial"
[ -f "$R/www.example.org/cert-$old_serial.pem" ] && [ -f "$R/www.example.org/key-$old_serial.pem" ] && ok ||
	ko "renew archives the old pair"
cmp -s "$T/old.key" "$R/www.example.org/key.pem" && ko "renew rotates the key" || ok
grep -q "	$old_serial	www.example.org/cert-$old_serial.pem	" "$R/index.txt" && ok ||
	ko "index points the old serial at its archived copy"
grep -q "	$new_serial	www.example.org/cert.pem	" "$R/index.txt" && ok || ko "index records the renewal"
check "renewed cert verifies" verify "$R/ca.pem" "$R/www.example.org/cert.pem"
openssl x509 -in "$R/www.example.org/cert.pem" -noout -ext subjectAltName >"$T/ren.txt"
expect "renewed cert keeps the names" "DNS:www.example.org, DNS:example.org, IP Address:192.0.2.7" "$T/ren.txt"
openssl pkey -in "$R/www.example.org/key.pem" -pubout >"$T/k.pub" 2>/dev/null
openssl x509 -in "$R/www.example.org/cert.pem" -noout -pubkey >"$T/c.pub"
same "renewed key matches renewed cert" "$T/k.pub" "$T/c.pub"
cp "$R/www.example.org/key.pem" "$T/cur.key"
check "renew --reuse-key" "$SIGNET" ca renew --dir "$R" www.example.org --reuse-key
same "--reuse-key keeps the key" "$T/cur.key" "$R/www.example.org/key.pem"
check "renew a client cert" "$SIGNET" ca renew --dir "$C" svc.example.com
check "renewed client stays client" verify "$C/ca.pem" "$C/svc.example.com/cert.pem" -purpose sslclient
refuse "renew a CSR leaf without --reuse-key" "$SIGNET" ca renew --dir "$C" csr.example.com
refuse "renew a missing leaf" "$SIGNET" ca renew --dir "$C" nope.example.com

# ---- concurrency: the directory lock keeps every issue in the index ----
Q=$T/parallel
"$SIGNET" ca init --dir "$Q" >/dev/null
for i in 1 2 3 4 5 6; do "$SIGNET" ca issue --dir "$Q" --domains p$i.example.com >/dev/null 2>&1 & done
wait
[ "$(wc -l <"$Q/index.txt")" = 6 ] && ok || ko "6 parallel issues, 6 index lines (got $(wc -l <"$Q/index.txt"))"

# A first name too long for a CN: empty subject, critical SAN.
long=$(printf 'a%.0s' $(seq 60)).example.com
check "issue with a 72-character first name" "$SIGNET" ca issue --dir "$Q" --domains "$long"
openssl x509 -in "$Q/$long/cert.pem" -noout -text >"$T/long.txt"
expect "long name: critical SAN" "Subject Alternative Name: critical" "$T/long.txt"
check "long name verifies" verify "$Q/ca.pem" "$Q/$long/cert.pem"

# ---- batch ----
B=$T/batch
check "init batch CA" "$SIGNET" ca init --dir "$B" --permit-dns example.com --permit-ip 10.0.0.0/8
printf '# hosts\nb1.example.com,www.b1.example.com\nb2.example.com 10.0.0.2\n\n10.0.0.3\n' >"$T/batch.txt"
check "batch issue" "$SIGNET" ca issue --dir "$B" --batch "$T/batch.txt"
for n in b1.example.com b2.example.com 10.0.0.3; do
	check "batch leaf $n verifies" verify "$B/ca.pem" "$B/$n/cert.pem"
done
[ "$(wc -l <"$B/index.txt")" = 3 ] && ok || ko "batch recorded 3 certificates"
printf 'b4.example.com\nb5.evil.org\n' >"$T/bad-batch.txt"
snap "$B" >"$T/b.snap"
refuse "batch with one name outside constraints" "$SIGNET" ca issue --dir "$B" --batch "$T/bad-batch.txt"
unchanged "bad batch wrote nothing" "$B" "$T/b.snap"

# ---- bad input: one line, nothing written ----
snap "$C" >"$T/c.snap"
refuse "unknown algorithm (issue)" "$SIGNET" ca issue --dir "$C" --domains x.example.com --alg dsa1024
refuse "malformed DNS name" "$SIGNET" ca issue --dir "$C" --domains 'bad_name.example.com'
refuse "empty label" "$SIGNET" ca issue --dir "$C" --domains 'a..example.com'
refuse "label with leading hyphen" "$SIGNET" ca issue --dir "$C" --domains '-a.example.com'
refuse "misplaced wildcard" "$SIGNET" ca issue --dir "$C" --domains 'a.*.example.com'
refuse "IP in --domains" "$SIGNET" ca issue --dir "$C" --domains 127.0.0.5
refuse "bad IP" "$SIGNET" ca issue --dir "$C" --domains y.example.com --ip-addresses 127.0.0.256
refuse "bad email" "$SIGNET" ca issue --dir "$C" --domains y.example.com --email nobody
refuse "bad URI" "$SIGNET" ca issue --dir "$C" --domains y.example.com --uri 'not a uri'
refuse "name colliding with the CA" "$SIGNET" ca issue --dir "$C" --domains root
refuse "validity beyond the CA" "$SIGNET" ca issue --dir "$C" --domains z.example.com --days 36000
unchanged "bad input wrote nothing" "$C" "$T/c.snap"
refuse "unknown algorithm (init)" "$SIGNET" ca init --dir "$T/never" --alg rsa512
absent "unknown algorithm: no directory" "$T/never"
refuse "bad --permit-ip" "$SIGNET" ca init --dir "$T/never" --permit-ip 10.0.0.1/8
absent "bad --permit-ip: no directory" "$T/never"
refuse "bad --permit-dns" "$SIGNET" ca init --dir "$T/never" --permit-dns 'ex ample.com'
absent "bad --permit-dns: no directory" "$T/never"
# Corrupt CA files.
X=$T/corrupt
for what in ca.pem key index; do
	rm -rf "$X"
	"$SIGNET" ca init --dir "$X" --intermediate >/dev/null
	case $what in
	ca.pem) echo garbage >"$X/ca.pem" ;;
	key) sed -i '2s/^./A/' "$X/intermediate/key.pem"; head -c 60 "$X/intermediate/key.pem" >"$X/k" &&
		mv "$X/k" "$X/intermediate/key.pem" ;;
	index) printf 'V\tnot-a-date\t\t01\tx/cert.pem\t/CN=x\n' >"$X/index.txt" ;;
	esac
	snap "$X" >"$T/x.snap"
	refuse "corrupt $what" "$SIGNET" ca issue --dir "$X" --domains ok.example
	unchanged "corrupt $what: nothing written" "$X" "$T/x.snap"
done
rm -rf "$X"
"$SIGNET" ca init --dir "$X" --intermediate >/dev/null
cp "$R/ca.pem" "$X/ca.pem"
refuse "intermediate not signed by ca.pem" "$SIGNET" ca issue --dir "$X" --domains ok.example
expect "says which file" "intermediate/cert.pem" "$T/.err"
refuse "no CA" "$SIGNET" ca issue --dir "$T/none" --domains ok.example
absent "no CA: nothing created" "$T/none"

# ---- trust ----
check "trust" "$SIGNET" ca trust --dir "$C"
expect "trust: Debian store" "/usr/local/share/ca-certificates/org-root.crt" "$T/.out"
expect "trust: update-ca-certificates" "^update-ca-certificates" "$T/.out"
expect "trust: NSS" "certutil .* -A -t" "$T/.out"
expect "trust: Java" "keytool -importcert" "$T/.out"

# ---- minica, both ways ----
M=$T/minica
mkdir -p "$M/ours" "$M/theirs" "$M/rsa"
check "signet ca minica creates the root" sh -c "cd '$M/ours' && '$SIGNET' ca minica -domains a.test,www.a.test -ip-addresses 127.0.0.1"
for f in minica.pem minica-key.pem a.test/cert.pem a.test/key.pem; do
	[ -f "$M/ours/$f" ] && ok || ko "minica layout: $f"
done
expect "minica key is PKCS#8" "BEGIN PRIVATE KEY" "$M/ours/minica-key.pem"
openssl x509 -in "$M/ours/minica.pem" -noout -text >"$T/mroot.txt"
expect "minica root CN" "CN ?= ?minica root ca [0-9a-f]{6}" "$T/mroot.txt"
expect "minica root P-384" "384 bit" "$T/mroot.txt"
check "verify our minica leaf" openssl verify -CAfile "$M/ours/minica.pem" "$M/ours/a.test/cert.pem"
check "minica (Debian) issues from our root" sh -c "cd '$M/ours' && minica -ca-cert minica.pem -ca-key minica-key.pem b.test"
check "verify minica's leaf against our root" openssl verify -CAfile "$M/ours/minica.pem" "$M/ours/b.test.crt"
check "minica (Debian) makes its root" sh -c "cd '$M/theirs' && minica -ca-cert minica.pem -ca-key minica-key.pem c.test"
check "signet ca minica issues from minica's root" sh -c "cd '$M/theirs' && '$SIGNET' ca minica -domains d.test"
check "verify our leaf against minica's root" openssl verify -CAfile "$M/theirs/minica.pem" "$M/theirs/d.test/cert.pem"
check "signet ca minica -ca-alg rsa, -flag=value" sh -c "cd '$M/rsa' && '$SIGNET' ca minica -ca-alg=RSA --domains e.test"
check "verify RSA minica leaf" openssl verify -CAfile "$M/rsa/minica.pem" "$M/rsa/e.test/cert.pem"
check "minica (Debian) issues from our RSA root" sh -c "cd '$M/rsa' && minica -ca-cert minica.pem -ca-key minica-key.pem f.test"
check "verify minica's leaf against our RSA root" openssl verify -CAfile "$M/rsa/minica.pem" "$M/rsa/f.test.crt"
snap "$M/ours" >"$T/m.snap"
refuse "minica never overwrites a leaf" sh -c "cd '$M/ours' && '$SIGNET' ca minica -domains a.test"
refuse "minica: bad domain" sh -c "cd '$M/ours' && '$SIGNET' ca minica -domains 'bad name'"
refuse "minica: unknown alg" sh -c "cd '$M/ours' && '$SIGNET' ca minica -ca-alg dsa -domains g.test"
unchanged "minica refusals wrote nothing" "$M/ours" "$T/m.snap"
mkdir -p "$M/half" && cp "$M/ours/minica.pem" "$M/half/"
refuse "minica: cert without key" sh -c "cd '$M/half' && '$SIGNET' ca minica -domains h.test"
absent "minica: cert without key creates nothing" "$M/half/h.test"

# ---- CA keys age-encrypted at rest ----
TTY="python3 $(dirname "$0")/answer_prompt.py"
E=$T/sealed
echo "correct horse battery staple" >"$T/ca.pw"
echo "wrong horse battery staple" >"$T/bad.pw"
check "init --intermediate --passphrase-file" "$SIGNET" ca init --dir "$E" --name "Sealed Root" \
	--intermediate --permit-dns sealed.test --passphrase-file "$T/ca.pw"
for k in root/ca-key.pem intermediate/key.pem; do
	absent "no plaintext $k" "$E/$k"
	[ -f "$E/$k.age" ] && ok || ko "$k.age written"
	[ "$(mode_of "$E/$k.age")" = 600 ] && ok || ko "$k.age mode 0600"
	expect "$k.age is armored age" "^-----BEGIN AGE ENCRYPTED FILE-----$" "$E/$k.age"
	check "signet age -d decrypts $k.age" "$SIGNET" age -d --passphrase-file "$T/ca.pw" -o "$T/$(basename "$k").plain" "$E/$k.age"
	expect "$k.age holds a PEM private key" "^-----BEGIN PRIVATE KEY-----$" "$T/$(basename "$k").plain"
	# No line of the key's PEM body is anywhere under the CA directory.
	grep -v -- '-----' "$T/$(basename "$k").plain" >"$T/body"
	[ -s "$T/body" ] && ok || ko "$k: empty PEM body"
	if grep -rqF -f "$T/body" "$E"; then ko "$k: plaintext key bytes under $E"; else ok; fi
done
check "openssl: root key matches ca.pem" sh -c "[ \"\$(openssl pkey -in '$T/ca-key.pem.plain' -pubout)\" = \"\$(openssl x509 -in '$E/ca.pem' -noout -pubkey)\" ]"
check "age (Debian) decrypts the sealed key with the passphrase" \
	$TTY "correct horse battery staple" age -d -o "$T/age.plain" "$E/intermediate/key.pem.age"
same "age and signet decrypt the same key" "$T/age.plain" "$T/key.pem.plain"

check "issue with the passphrase" "$SIGNET" ca issue --dir "$E" --domains www.sealed.test --passphrase-file "$T/ca.pw"
check "openssl verify the sealed CA's chain" verify "$E/ca.pem" "$E/www.sealed.test/cert.pem"
check "passphrase asked on the terminal" $TTY "correct horse battery staple" \
	"$SIGNET" ca issue --dir "$E" --domains tty.sealed.test
check "openssl verify the leaf from the terminal" verify "$E/ca.pem" "$E/tty.sealed.test/cert.pem"
snap "$E" >"$T/e.snap"
refuse "issue with a wrong passphrase" "$SIGNET" ca issue --dir "$E" --domains bad.sealed.test --passphrase-file "$T/bad.pw"
expect "wrong passphrase: says so" "key\.pem\.age: incorrect passphrase" "$T/.err"
refuse "batch with a wrong passphrase" "$SIGNET" ca issue --dir "$E" --batch <(echo b1.sealed.test) --passphrase-file "$T/bad.pw"
refuse "crl with a wrong passphrase" "$SIGNET" ca crl --dir "$E" -o "$T/bad.crl" --passphrase-file "$T/bad.pw"
absent "no CRL after a wrong passphrase" "$T/bad.crl"
refuse "renew with a wrong passphrase" "$SIGNET" ca renew --dir "$E" www.sealed.test --passphrase-file "$T/bad.pw"
refuse "an age identity is not the passphrase" "$SIGNET" ca issue --dir "$E" --domains bad.sealed.test -i <(age-keygen 2>/dev/null)
refuse "no passphrase and no terminal" setsid "$SIGNET" ca issue --dir "$E" --domains bad.sealed.test </dev/null
expect "no terminal: says so" "no terminal" "$T/.err"
unchanged "refused unlocks wrote nothing" "$E" "$T/e.snap"
# A plain key next to the sealed one, or a damaged sealed key, is refused.
cp "$T/key.pem.plain" "$E/intermediate/key.pem"
refuse "plain and sealed intermediate keys" "$SIGNET" ca issue --dir "$E" --domains bad.sealed.test --passphrase-file "$T/ca.pw"
expect "plain and sealed: says so" "both a plain and an encrypted key" "$T/.err"
rm "$E/intermediate/key.pem"
cp "$E/intermediate/key.pem.age" "$T/key.age.bak"
# One base64 character of the armor replaced by a different one.
awk 'NR == 3 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } 1' \
	"$T/key.age.bak" >"$E/intermediate/key.pem.age"
refuse "damaged sealed key" "$SIGNET" ca issue --dir "$E" --domains bad.sealed.test --passphrase-file "$T/ca.pw"
expect "damaged sealed key: names the file" "intermediate/key\.pem\.age: " "$T/.err"
cp "$T/key.age.bak" "$E/intermediate/key.pem.age"
unchanged "refused damaged keys wrote nothing" "$E" "$T/e.snap"
check "batch with the passphrase" "$SIGNET" ca issue --dir "$E" --batch <(printf 'b1.sealed.test\nb2.sealed.test\n') --passphrase-file "$T/ca.pw"
check "openssl verify a batch leaf" verify "$E/ca.pem" "$E/b2.sealed.test/cert.pem"
check "renew with the passphrase" "$SIGNET" ca renew --dir "$E" www.sealed.test --passphrase-file "$T/ca.pw"
check "openssl verify the renewed leaf" verify "$E/ca.pem" "$E/www.sealed.test/cert.pem"
check "revoke (no key needed)" "$SIGNET" ca revoke --dir "$E" "$E/b1.sealed.test/cert.pem"
check "crl with the passphrase" "$SIGNET" ca crl --dir "$E" -o "$T/sealed.crl" --passphrase-file "$T/ca.pw"
cat "$E/ca.pem" "$E/intermediate/cert.pem" >"$T/sealed-chain.pem"
fails "sealed CA: revoked leaf fails -crl_check" openssl verify -crl_check -CAfile "$T/sealed-chain.pem" \
	-CRLfile "$T/sealed.crl" "$E/b1.sealed.test/cert.pem"
check "sealed CA: unrevoked leaf passes -crl_check" openssl verify -crl_check -CAfile "$T/sealed-chain.pem" \
	-CRLfile "$T/sealed.crl" "$E/b2.sealed.test/cert.pem"

# The root stays offline: issuing needs only the intermediate's key, which
# here is under another passphrase than the root's.
mv "$E/root/ca-key.pem.age" "$T/offline-root.age"
check "issue with the root key offline" "$SIGNET" ca issue --dir "$E" --domains offline.sealed.test --passphrase-file "$T/ca.pw"
check "openssl verify with the root offline" verify "$E/ca.pem" "$E/offline.sealed.test/cert.pem"
age -d -i /dev/null "$T/offline-root.age" >/dev/null 2>&1 && ko "age needs the passphrase" || ok
$TTY "correct horse battery staple" age -d -o "$T/root.plain" "$T/offline-root.age" >/dev/null 2>&1
$TTY "another root passphrase" age -p -a -o "$E/root/ca-key.pem.age" "$T/root.plain" >/dev/null 2>&1
rm -f "$T/root.plain"
grep -q "BEGIN AGE" "$E/root/ca-key.pem.age" && ok || ko "age re-encrypted the root key"
check "root under its own passphrase: issue still works" "$SIGNET" ca issue --dir "$E" --domains two.sealed.test --passphrase-file "$T/ca.pw"
check "openssl verify (root re-encrypted)" verify "$E/ca.pem" "$E/two.sealed.test/cert.pem"

# A root-only CA sealed to age recipients: -i unlocks it, a passphrase
# or another identity does not.
age-keygen -o "$T/ca.id" 2>/dev/null
age-keygen -o "$T/other.id" 2>/dev/null
A=$T/sealed-r
check "init -r age1..." "$SIGNET" ca init --dir "$A" --name "Recipient Root" -r "$(age-keygen -y "$T/ca.id")"
absent "-r: no plaintext root key" "$A/root/ca-key.pem"
check "age (Debian) decrypts the root key with the identity" age -d -i "$T/ca.id" -o "$T/r.plain" "$A/root/ca-key.pem.age"
expect "-r: a PEM key inside" "^-----BEGIN PRIVATE KEY-----$" "$T/r.plain"
grep -v -- '-----' "$T/r.plain" >"$T/body"
if grep -rqF -f "$T/body" "$A"; then ko "-r: plaintext key bytes under $A"; else ok; fi
snap "$A" >"$T/a.snap"
refuse "-r: issue without -i" "$SIGNET" ca issue --dir "$A" --domains x.test
expect "-r: asks for -i" "give -i IDENTITY" "$T/.err"
refuse "-r: issue with another identity" "$SIGNET" ca issue --dir "$A" --domains x.test -i "$T/other.id"
expect "-r: no identity matched" "no identity matched" "$T/.err"
refuse "-r: issue with a passphrase" "$SIGNET" ca issue --dir "$A" --domains x.test --passphrase-file "$T/ca.pw"
unchanged "-r: refusals wrote nothing" "$A" "$T/a.snap"
check "-r: issue with -i" "$SIGNET" ca issue --dir "$A" --domains x.test -i "$T/ca.id"
check "-r: openssl verify" verify "$A/ca.pem" "$A/x.test/cert.pem"

# init --passphrase asks twice on the terminal.
check "init --passphrase on the terminal" $TTY "correct horse battery staple" \
	"$SIGNET" ca init --dir "$T/asked" --passphrase
check "issue from the terminal-made CA" "$SIGNET" ca issue --dir "$T/asked" --domains asked.test --passphrase-file "$T/ca.pw"
check "openssl verify (terminal-made CA)" verify "$T/asked/ca.pem" "$T/asked/asked.test/cert.pem"

# Bad init options create nothing.
"$SIGNET" ca init --dir "$T/both" --passphrase-file "$T/ca.pw" -r "$(age-keygen -y "$T/ca.id")" 2>/dev/null
[ $? = 2 ] && ok || ko "init: passphrase and -r together: usage error"
absent "init: passphrase and -r: nothing created" "$T/both"
refuse "init: bad recipient" "$SIGNET" ca init --dir "$T/badr" -r age1nope
absent "init: bad recipient: nothing created" "$T/badr"
refuse "init: empty passphrase file" "$SIGNET" ca init --dir "$T/empty" --passphrase-file /dev/null
absent "init: empty passphrase: nothing created" "$T/empty"

finish
