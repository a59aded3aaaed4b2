#!/bin/bash
# demo/fleet-net.sh SIGNET SIGNED KEYS CLIENT - run by demo/fleet.sh in a network and mount
# namespace of its own (unshare --net --mount): the fleet's services as
# processes on loopback, each from its host's directory of the signed
# release, and a client that resolves a name of the fleet's documents
# through them. Only lo exists here; every 127.0.0.0/8 address is on it.
set -euo pipefail
SIGNET=$1 S=$2 K=$3 C=$4
step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

ip link set lo up
# This namespace's resolver is ns1's Unbound (the host's own files stay).
# (unshare makes this namespace's mounts private: none reaches the host.)
mount -t tmpfs tmpfs /run
echo "nameserver 127.0.0.1" >/run/resolv.conf
mount --bind /run/resolv.conf /etc/resolv.conf

N=$S/hosts/ns1
(cd "$N/nsd" && exec nsd -d -c nsd.conf) >"$S/../nsd.log" 2>&1 &
pids+=($!)
(cd "$N/unbound" && exec unbound -d -c unbound.conf) >"$S/../unbound.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	dig +short +time=1 +tries=1 @127.0.0.1 ns1.example.internal A >/dev/null 2>&1 && break
	sleep 0.2
done
echo "    nsd on $(awk '/ip-address/ {print $2}' "$N/nsd/nsd.conf" | tr '\n' ' ')port 53; unbound on 127.0.0.1 port 53"

step "Names from the fleet's documents, validated by Unbound with only the fleet's root anchor"
for name in www.example.internal app1.example.internal; do
	run dig +dnssec @127.0.0.1 "$name" A | grep -E "flags:|^$name" | sed 's/^/    /'
	dig +dnssec @127.0.0.1 "$name" A | grep -q "flags:.* ad" ||
		{ echo "demo: $name is not validated (no AD flag)" >&2; exit 1; }
done
run dig +dnssec +short @127.0.0.1 app1.example.internal SSHFP | sed 's/^/    /'
echo "    the AD flag is set: signed by the fleet's keys, chained to state/dns/root.ds"

step "web1's nginx from the signed release; its keys unsealed with web1's own age identity"
W=$S/../web1-nginx
rm -rf "$W" && cp -a "$S/hosts/web1/nginx" "$W" && mkdir -m 0700 "$W/keys"
for sec in "$W"/secrets/*.key.sops.yaml; do
	svc=$(basename "$sec" .key.sops.yaml)
	(umask 077 && SOPS_AGE_KEY_FILE=$K/hosts/web1/age.key "$SIGNET" sops -d --extract '["tls_key"]' "$sec" >"$W/keys/$svc.key")
done
ls -l "$W/keys" | sed 's/^/    /'
# The www service's static root, /srv/www, in this namespace only.
mount -t tmpfs tmpfs /srv
mkdir -p /srv/www && echo "pumping-station-7: all pumps nominal" >/srv/www/index.html
run nginx -t -q -e stderr -p "$W" -c "$W/nginx.conf"
nginx -e stderr -p "$W" -c "$W/nginx.conf" -g "daemon off;" >"$S/../nginx.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -s -o /dev/null --max-time 1 --cacert "$S/hosts/web1/nginx/tls/ca.pem" https://www.example.internal/ 2>/dev/null
	[ $? -ne 7 ] && break
	sleep 0.2
done

step "A page over mutual TLS, by a name of the fleet's documents, resolved through Unbound"
run curl -sS --cacert "$S/hosts/web1/nginx/tls/ca.pem" --cert "$C/operator.crt" --key "$C/operator.key" \
	https://www.example.internal/ | sed 's/^/    /'
echo "    without a client certificate nginx refuses (www requires one):"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$S/hosts/web1/nginx/tls/ca.pem" https://www.example.internal/ || true)
echo "    HTTP $code"
[ "$code" = 400 ] || { echo "demo: www answered $code without a client certificate" >&2; exit 1; }
