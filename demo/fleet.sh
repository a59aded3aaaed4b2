#!/bin/bash
# demo/fleet.sh SIGNET - the first part of the demo, run in the demo's
# directory: an infrastructure described by a fleet repository. The
# control plane issues the keys' public parts into it, two builders
# (Bubo and Crucible) build the commit from their own clones and must
# agree byte for byte, the control plane signs what they built; the DNS
# host's NSD and Unbound and the web host's nginx serve the signed
# release on loopback (demo/fleet-net.sh, in a network namespace of
# their own, so nothing of this machine's network is touched), and app1
# boots from its signed UKI under qemu (demo/fleet-boot.sh).
set -euo pipefail
SIGNET=$1
here=$(cd "$(dirname "$0")" && pwd)
step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
export GIT_AUTHOR_NAME=operator GIT_AUTHOR_EMAIL=operator@example.internal
export GIT_COMMITTER_NAME=operator GIT_COMMITTER_EMAIL=operator@example.internal
unset SOURCE_DATE_EPOCH

step "A fleet repository: the example infrastructure, its private keys kept outside it"
run "$SIGNET" fleet init fleet
(cd fleet && find . -type f | sort | sed 's/^/    /')
echo "    --- hosts/app1.yaml"
sed 's/^/    /' fleet/hosts/app1.yaml
run "$SIGNET" fleet check -C fleet

step "A broken document is refused with its file and line, nothing written"
cp -a fleet broken
sed -i 's/^roles: \[app\]/roles: [app, mainframe]/' broken/hosts/app2.yaml
"$SIGNET" fleet check -C broken || true
rm -rf broken

step "The outside inputs of a build, pinned in fleet.lock: kernel, EFI stub, signet-init, sidecar, a rootfs"
"$here/../scripts/fleet-inputs" "$SIGNET" inputs
# The rootfs app1 runs here: the marker program the boot tests use, as a
# tar made byte for byte the same every time, so that the demo's boot is
# quick (the inputs also hold the example OS, rootfs/debian, an OCI
# layout the build makes into a verity image: tests/suites/fleet-boot.sh).
mkdir -p rootfs/sbin rootfs/etc
cc -static -Os -o rootfs/sbin/init "$here/../tests/boot/rootfs-init.c"
echo rootfs-marker >rootfs/etc/sidecar-id
mkdir -p inputs/rootfs
tar -C rootfs --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf inputs/rootfs/marker .
run "$SIGNET" fleet lock -C fleet --inputs inputs
sed -n '1,/^  [a-z]/p' fleet/fleet.lock | sed 's/^/    /'
echo "    ..."
echo "rootfs: marker" >>fleet/hosts/app1.yaml
run "$SIGNET" fleet check -C fleet

step "The control plane issues what a build needs: DNS keys (in fleet.keys), the root's anchor (in state/)"
run "$SIGNET" fleet issue -C fleet --keys fleet.keys
run "$SIGNET" sb keygen --dir fleet.keys/sb --cn "Example Water Utility"
(cd fleet && git init -q && git add . && git commit -qm "the example fleet, issued")
echo "    committed: $(git -C fleet log --oneline)"

step "Two builders build the commit, each from its own clone, directory, TZ, umask and locale"
git clone -q fleet bubo/src
git clone -q fleet crucible/deep/src
(cd bubo/src && TZ=UTC LANG=C umask 022 && run "$SIGNET" fleet build --out ../out --inputs ../../inputs)
(cd crucible/deep/src && TZ=Pacific/Auckland LC_ALL=C.UTF-8 umask 077 &&
	run "$SIGNET" fleet build --out ../out --inputs ../../../inputs)
run "$SIGNET" fleet attest -C fleet --builder bubo --key fleet.keys/hosts/bubo/attestation.key \
	--build bubo/out -o bubo.att
run "$SIGNET" fleet attest -C fleet --builder crucible --key fleet.keys/hosts/crucible/attestation.key \
	--build crucible/deep/out -o crucible.att

step "They agree byte for byte"
run "$SIGNET" fleet compare -C fleet bubo.att crucible.att

step "An edit of one host's document changes exactly that host's artifacts"
(cd bubo/src && sed -i 's/prompt_seconds: 2 /prompt_seconds: 5 /' hosts/app2.yaml)
run "$SIGNET" fleet plan -C bubo/src --against crucible.att | grep -v '^unchanged' | sed 's/^/    /'
git -C bubo/src checkout -q hosts/app2.yaml

step "The control plane signs what both attested: every zone, with the fleet's DNS keys"
run "$SIGNET" fleet sign -C fleet --keys fleet.keys --build bubo/out --out signed bubo.att crucible.att
run ldns-verify-zone -k signed/hosts/ns1/unbound/root.ds signed/hosts/ns1/nsd/zones/root.signed

step "ns1's NSD and Unbound, from the signed release, on loopback in their own network namespace"
run "$SIGNET" fleet client -C fleet --keys fleet.keys --out operator operator
unshare --net --mount bash "$here/fleet-net.sh" "$SIGNET" "$PWD/signed" "$PWD/fleet.keys" "$PWD/operator"

bash "$here/fleet-boot.sh" "$SIGNET" "$PWD/signed" app1
