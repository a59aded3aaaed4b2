#!/bin/sh
# demo/run.sh SIGNET - the main job on the embedded example, step by step.
#
# Today: an identity is made, a configuration document is encrypted to it
# and decrypted again, and the real age opens what signet wrote (and the
# other way round). Later parts of signet extend this script.
set -eu
SIGNET=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
out=${DEMO_DIR:-$(dirname "$SIGNET")/demo}
rm -rf "$out"
mkdir -p "$out"
cd "$out"

step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
# same A B MESSAGE: the demo stops unless A and B are identical.
same() { cmp -s "$1" "$2" || { echo "demo: $1 and $2 differ" >&2; exit 1; }; echo "$3"; }

step "Make an age identity with signet (0600, never overwritten)"
run "$SIGNET" age-keygen -o operator.key
ls -l operator.key
RECIPIENT=$("$SIGNET" age-keygen -y operator.key)

step "Encrypt the site document to it, armored"
run "$SIGNET" age -a -r "$RECIPIENT" -o site.yaml.age "$here/example/site.yaml"
head -3 site.yaml.age; echo "..."

step "Decrypt it with signet"
run "$SIGNET" age -d -i operator.key -o site.signet.yaml site.yaml.age
same "$here/example/site.yaml" site.signet.yaml "identical to the original"

step "The real age opens what signet wrote"
run age -d -i operator.key -o site.age.yaml site.yaml.age
same "$here/example/site.yaml" site.age.yaml "age $(age --version) decrypted it: identical"

step "And signet opens what age writes, to a key made by age-keygen"
run age-keygen -o age.key
run age -r "$(age-keygen -y age.key)" -o site.from-age.age "$here/example/site.yaml"
run "$SIGNET" age -d -i age.key -o site.from-age.yaml site.from-age.age
same "$here/example/site.yaml" site.from-age.yaml "identical"

step "A tampered file is refused, and nothing is written"
cp site.yaml.age tampered.age
sed -i '4s/^./x/' tampered.age
if "$SIGNET" age -d -i operator.key -o should-not-exist tampered.age; then
	echo "demo: tampering was not detected" >&2
	exit 1
fi
[ ! -e should-not-exist ] && echo "refused; no output file"

step "The organisation's own CA: an offline root and a name-constrained intermediate"
run "$SIGNET" ca init --dir ca --name "Example Water Utility" --permit-dns example.internal \
	--permit-ip 127.0.0.0/8 --intermediate
run "$SIGNET" ca issue --dir ca --domains www.example.internal --ip-addresses 127.0.0.1
run "$SIGNET" ca issue --dir ca --domains operator.example.internal --client
run openssl verify -CAfile ca/ca.pem -untrusted ca/www.example.internal/cert.pem \
	ca/www.example.internal/cert.pem
echo "a name outside the constraints is refused:"
"$SIGNET" ca issue --dir ca --domains www.example.com || true

step "Serve a page over mutual TLS on loopback with the CA's certificates"
mkdir -p www && echo "pumping-station-7: all pumps nominal" >www/status.txt
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
(cd www && exec openssl s_server -quiet -accept "127.0.0.1:$port" \
	-cert ../ca/www.example.internal/cert.pem -key ../ca/www.example.internal/key.pem \
	-cert_chain ../ca/www.example.internal/cert.pem -CAfile ../ca/ca.pem \
	-Verify 2 -verify_return_error -WWW) >tls-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
# Wait until the server listens (curl exits 7 while the port is closed).
for _ in $(seq 50); do
	rc=0
	curl -s -o /dev/null --max-time 1 -k "https://127.0.0.1:$port/" 2>/dev/null || rc=$?
	[ "$rc" -ne 7 ] && break
	sleep 0.1
done
run curl -sS --cacert ca/ca.pem --cert ca/operator.example.internal/cert.pem \
	--key ca/operator.example.internal/key.pem --resolve "www.example.internal:$port:127.0.0.1" \
	"https://www.example.internal:$port/status.txt"
echo "without a client certificate the server refuses:"
if curl -sS --max-time 5 --cacert ca/ca.pem --resolve "www.example.internal:$port:127.0.0.1" \
	"https://www.example.internal:$port/status.txt"; then
	echo "demo: the server accepted a client without a certificate" >&2
	exit 1
fi
kill $server 2>/dev/null || true

printf '\nDemo done. Files are in %s\n' "$out"
