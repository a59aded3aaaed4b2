#!/bin/bash
# signet fleet init and check: the example fleet holds every rule, its
# keys are where fleetinit.h says (0600, outside the repository), and
# each kind of bad document gives one FILE:LINE line, exit 1, and
# changes nothing.
. "$(dirname "$0")/lib.sh"

F=$T/fleet
check "fleet init" "$SIGNET" fleet init "$F"
check "fleet check of the example" "$SIGNET" fleet check -C "$F"
grep -q "7 hosts, 4 services" "$T/.out" && ok || ko "example: 7 hosts, 4 services: $(cat "$T/.out")"
(cd "$F" && "$SIGNET" fleet check >/dev/null 2>&1) && ok || ko "check in the current directory"

# The keys: outside the repository, private ones 0600, none in DIR.
for k in operator.key hosts/web1/age.key hosts/app1/ssh_host_ed25519_key; do
	[ "$(stat -c %a "$F.keys/$k")" = 600 ] && ok || ko "$k is not 0600"
done
if grep -rlE 'PRIVATE KEY|AGE-SECRET-KEY' "$F" >/dev/null; then ko "a private key in the repository"; else ok; fi
# The public parts in the documents are those of the keys.
grep -qF "$(cut -d' ' -f1-2 "$F.keys/hosts/app1/ssh_host_ed25519_key.pub")" "$F/hosts/app1.yaml" &&
	ok || ko "app1's ssh_host_key is its key's"
grep -qF "$(age-keygen -y "$F.keys/hosts/web1/age.key")" "$F/hosts/web1.yaml" && ok || ko "web1's age_recipient"
id=$(ls "$F.keys/authority/domains")
grep -q "domain_id: $id" "$F/fleet.yaml" && ok || ko "fleet.yaml names the authority's DomainID"
check "the authority's domain verifies" "$SIGNET" domain show --home "$F.keys/authority"

refuse "init over an existing repository" "$SIGNET" fleet init "$F"
mkdir "$T/k2"
refuse "init over existing keys" "$SIGNET" fleet init --keys "$T/k2" "$T/fleet2"
absent "nothing written when refused" "$T/fleet2"
[ -z "$(ls -A "$T/k2")" ] && ok || ko "existing keys directory untouched"
ls "$T" | grep -q signet-tmp && ko "temporary directory left behind" || ok

# bad NAME FILE SED WANT: the edit of FILE gives exactly WANT (the one
# line), exit 1, and the repository is unchanged by check.
bad() {
	local name=$1 file=$2 edit=$3 want=$4 B=$T/bad-$1
	rm -rf "$B" && cp -a "$F" "$B"
	# a file the repository lacks is added from $T
	[ -e "$B/$file" ] || cp "$T/$(basename "$file")" "$B/$file"
	if [ -n "$edit" ]; then sed -i "$edit" "$B/$file"; fi
	local before rc=0
	before=$(cd "$B" && find . -type f -exec sha256sum {} + | sort)
	"$SIGNET" fleet check -C "$B" >"$T/.out" 2>"$T/.err" || rc=$?
	if [ "$rc" -ne 1 ]; then
		ko "$name: exit $rc, not 1"
	elif [ "$(cat "$T/.err")" != "$want" ]; then
		ko "$name: wanted '$want', got '$(cat "$T/.err")'"
	else
		ok
	fi
	[ "$before" = "$(cd "$B" && find . -type f -exec sha256sum {} + | sort)" ] && ok || ko "$name: check changed the repository"
}
bad unknown-key hosts/app1.yaml 's/^roles:/rolez:/' \
	"hosts/app1.yaml:3: unknown key 'rolez'
hosts/app1.yaml:1: 'roles' is required"
bad role-field hosts/web1.yaml '/^age_recipient/d' \
	"hosts/web1.yaml:3: role 'web' needs 'age_recipient' (its TLS keys are encrypted to it)"
bad one-address hosts/app2.yaml 's/127.10.0.102/127.10.0.101/' \
	"hosts/app2.yaml:4: address 127.10.0.101 is also hosts/app1.yaml's"
cp "$F/hosts/app1.yaml" "$T/app3.yaml"
bad one-name hosts/app3.yaml "" \
	"hosts/app3.yaml:2: 'host' is 'app1' but the file is named for 'app3'"
bad outside-ca services/www.yaml 's/www.example.internal/www.example.com/' \
	"services/www.yaml:6: name www.example.com is outside the CA's permitted DNS names"
bad wrong-role services/www.yaml 's/hosts: \[web1\]/hosts: [app1]/' \
	"services/www.yaml:5: host 'app1' does not have the role 'web'"
bad no-zone services/dns.yaml 's/zones: .*/zones: ["."]/' \
	"fleet.yaml:14: zone example.internal is served by no dns service"
bad boot-rule hosts/app1.yaml 's/fs: ext4/fs: zfs/' \
	"hosts/app1.yaml:9: \$.disk.fs: must be \"ext4\" or \"btrfs\""

finish
