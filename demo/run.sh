#!/bin/sh
# demo/run.sh SIGNET - the main job on the embedded example, step by step.
#
# First (demo/fleet.sh) the infrastructure from its fleet repository:
# built twice by two builders that must agree, signed by the control
# plane, its DNS served and validated on loopback. Then the parts one by
# one: age interop, the offline authority and a sealed bundle admitted on a
# host, the CA with mutual TLS, the own DNSSEC root, a UKI signed with
# the organisation's Secure Boot keys; the full verified boot of a host
# is the fleet's (demo/fleet-boot.sh), at the start.
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

bash "$here/fleet.sh" "$SIGNET"

step "Make an age identity with signet (0600, never overwritten)"
run "$SIGNET" age-keygen -o operator.key
ls -l operator.key
RECIPIENT=$("$SIGNET" age-keygen -y operator.key)

step "Encrypt the fleet's fleet.yaml to it, armored"
run "$SIGNET" age -a -r "$RECIPIENT" -o site.yaml.age "fleet/fleet.yaml"
head -3 site.yaml.age; echo "..."

step "Decrypt it with signet"
run "$SIGNET" age -d -i operator.key -o site.signet.yaml site.yaml.age
same "fleet/fleet.yaml" site.signet.yaml "identical to the original"

step "The real age opens what signet wrote"
run age -d -i operator.key -o site.age.yaml site.yaml.age
same "fleet/fleet.yaml" site.age.yaml "age $(age --version) decrypted it: identical"

step "And signet opens what age writes, to a key made by age-keygen"
run age-keygen -o age.key
run age -r "$(age-keygen -y age.key)" -o site.from-age.age "fleet/fleet.yaml"
run "$SIGNET" age -d -i age.key -o site.from-age.yaml site.from-age.age
same "fleet/fleet.yaml" site.from-age.yaml "identical"

step "A tampered file is refused, and nothing is written"
# One base64 character of the armor replaced by a different one.
awk 'NR == 4 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } 1' \
	site.yaml.age >tampered.age
if "$SIGNET" age -d -i operator.key -o should-not-exist tampered.age; then
	echo "demo: tampering was not detected" >&2
	exit 1
fi
[ ! -e should-not-exist ] && echo "refused; no output file"

step "An offline authority: domain genesis, the root key encrypted to a passphrase"
printf 'correct horse battery staple\n' >authority.pass
run "$SIGNET" domain init --home authority --name demo --passphrase-file authority.pass \
	--work-factor 12 >domain.id
echo "DomainID $(cat domain.id)"

step "Seal an ASL SOPS admission bundle for the operator (header clear, contents encrypted)"
cat >policy.yaml <<'EOF2'
requested_capabilities:
  - store_blocks
  - publish_private_encrypted
requested_storage:
  max_blocks: 1_000_000
  max_bytes: 5TB
federation:
  allow_inbound: false
  allow_outbound: true
EOF2
# The Common domain the admitting host belongs to (another authority's);
# the bundle names it as its target, and the host admits into it alone.
run "$SIGNET" domain init --home common --name common -r "$RECIPIENT" >common.id
cat >admission.yaml <<EOF2
target_domain: $(cat common.id)
mode: courtesy
intent: |
  Personal rescue operation.
  Data recovery from legacy laptop.
courtesy_lease:
  requested:
    duration_days: 180
    storage_bytes: 2TB
    encrypted_only: true
EOF2
run "$SIGNET" bundle seal --home authority --passphrase-file authority.pass \
	--purpose admission --policy policy.yaml --admission admission.yaml \
	--note "Destroy after successful admission." -r "$RECIPIENT" >bundle.path
BUNDLE=$(cat bundle.path)
sed -n '1,8p' "$BUNDLE"; echo "..."

step "Inspect it without any key"
run "$SIGNET" bundle inspect "$BUNDLE"

step "Admit the domain on a fresh host root (section 9 of the bundle spec, in order)"
run "$SIGNET" host init --host-root host --common "$(cat common.id)"
SOPS_AGE_KEY_FILE=operator.key run "$SIGNET" host admit --host-root host --yes \
	--lease-max-days 365 --lease-max-bytes 4TB "$BUNDLE"
run "$SIGNET" host status --host-root host

step "A bundle whose plaintext header was edited is refused (the SOPS MAC), the host unchanged"
sed 's/purpose: admission/purpose: recovery/' "$BUNDLE" >tampered.sops.yaml
before=$(cd host && find . -type f -exec sha256sum {} + | sort)
rc=0
SOPS_AGE_KEY_FILE=operator.key "$SIGNET" host admit --host-root host --yes tampered.sops.yaml || rc=$?
[ "$rc" -eq 10 ] || { echo "demo: tampered bundle gave exit $rc, not 10" >&2; exit 1; }
[ "$before" = "$(cd host && find . -type f -exec sha256sum {} + | sort)" ] ||
	{ echo "demo: the refused bundle changed the host root" >&2; exit 1; }
echo "refused with exit 10; host root unchanged"

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

step "The organisation's own DNSSEC root: a private '.', a signed zone, a validating resolver"
dport=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
rport=$((dport + 1))
run "$SIGNET" dns init --dir dns --ns "ns.root=127.0.0.1@$dport"
run "$SIGNET" dns add-zone --dir dns --zone example.org --ns "ns1.example.org=127.0.0.1@$dport"
echo 'www 3600 IN A 192.0.2.10' >>dns/zones/example.org.zone
run "$SIGNET" dns sign --dir dns
run "$SIGNET" dns anchor --dir dns --format ds
run "$SIGNET" dns config nsd --dir dns --port "$dport" -o nsd.conf
run "$SIGNET" dns config unbound --dir dns --port "$rport" --authority "127.0.0.1@$dport" -o unbound.conf
nsd -d -c nsd.conf >nsd.log 2>&1 &
nsd_pid=$!
unbound -d -c unbound.conf >unbound.log 2>&1 &
unbound_pid=$!
trap 'kill $server $nsd_pid $unbound_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	dig +short +time=1 +tries=1 @127.0.0.1 -p "$rport" www.example.org A >/dev/null 2>&1 && break
	sleep 0.2
done
run dig +dnssec @127.0.0.1 -p "$rport" www.example.org A | grep -E "flags:|^www"
dig +dnssec @127.0.0.1 -p "$rport" www.example.org A | grep -q "flags:.* ad" ||
	{ echo "demo: the answer is not validated (no AD flag)" >&2; exit 1; }
echo "validated by Unbound with only the organisation's anchor: the AD flag is set"
kill $nsd_pid $unbound_pid 2>/dev/null || true

step "Secure Boot keys of the organisation's own: PK, KEK, db"
run "$SIGNET" sb keygen --dir sb --cn "Example Water Utility"
ls sb

step "Enroll them offline into a copy of OVMF's variable store (Secure Boot on)"
run "$SIGNET" sb enroll --template /usr/share/OVMF/OVMF_VARS_4M.fd --dir sb -o OVMF_VARS.fd

step "A unified kernel image: Debian's kernel and an initrd whose init prints a marker"
kernel=$("$here/../scripts/debian-kernel" "$(dirname "$SIGNET")/cache/kernel")
cc -static -Os -o marker-init "$here/../tests/boot/marker-init.c"
run "$SIGNET" initrd build --add marker-init:init --mknod dev/console:c:5:1 -o initrd.img
run "$SIGNET" uki build --linux "$kernel" --initrd initrd.img \
	--cmdline "console=ttyS0 panic=-1 loglevel=7" --os-release /etc/os-release -o uki.efi
run "$SIGNET" sb sign --key sb/db.key --cert sb/db.crt -o uki.signed.efi uki.efi
run sbverify --cert sb/db.crt uki.signed.efi
run "$SIGNET" uki inspect uki.signed.efi

step "Boot it under qemu (OVMF with our keys, Secure Boot on; about 15 s under TCG)"
rm -f esp.img
truncate -s 64M esp.img
mformat -i esp.img :: && mmd -i esp.img ::/EFI ::/EFI/BOOT
mcopy -i esp.img uki.signed.efi ::/EFI/BOOT/BOOTX64.EFI
cp OVMF_VARS.fd vars-run.fd
timeout 180 qemu-system-x86_64 -accel tcg -machine q35,smm=on -m 1024 \
	-global driver=cfi.pflash01,property=secure,value=on \
	-drive if=pflash,format=raw,unit=0,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd,readonly=on \
	-drive if=pflash,format=raw,unit=1,file=vars-run.fd \
	-drive file=esp.img,format=raw,if=virtio \
	-nic none -display none -monitor none -serial file:boot.log -no-reboot || true
tr -d '\r' <boot.log | grep -E "Secure boot enabled|SIGNET-BOOT-MARKER" ||
	{ echo "demo: the signed UKI did not boot (see $out/boot.log)" >&2; exit 1; }
tr -d '\r' <boot.log | grep -q "Secure boot enabled" && tr -d '\r' <boot.log | grep -q "SIGNET-BOOT-MARKER" ||
	{ echo "demo: no Secure Boot or no marker (see $out/boot.log)" >&2; exit 1; }


printf '\nDemo done. Files are in %s\n' "$out"
