#!/bin/bash
# bench/update.sh SIGNET - an update where only one large image changed:
# a host on release 1 fetches release 2 from Debian's docker-registry on
# loopback (signet update download: TUF refresh, the files it lacks, each
# hashed), beside skopeo copy of the same blob from the same registry
# (skopeo checks the digest too). Prints the bytes of the release, the
# bytes fetched, the best wall time of RUNS runs of each and the ratio.
# Installing into a slot is not measured yet: `signet update install` is
# the next step of issue 16.
set -eu
SIGNET=$(realpath "${1:-build/signet}")
RUNS=${RUNS:-3}
MIB=${UPDATE_BENCH_MIB:-256}
for t in docker-registry skopeo git curl python3 bc; do
	command -v $t >/dev/null || { echo "bench/update.sh: $t not found" >&2; exit 1; }
done
D=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-update.XXXXXX")
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$D"' EXIT
now() { date +%s.%N; }
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.invalid GIT_COMMITTER_NAME=b
export GIT_COMMITTER_EMAIL=b@example.invalid GIT_AUTHOR_DATE=@1796000000 GIT_COMMITTER_DATE=@1796000000
unset SOURCE_DATE_EPOCH

# The fleet, signed (its hosts' configuration only), with app1's image.
F=$D/fleet K=$D/fleet.keys S=$D/signed R=$D/repo
"$SIGNET" fleet init "$F" >/dev/null
"$SIGNET" fleet issue -C "$F" --keys "$K" >/dev/null
(cd "$F" && git init -q && git add . && git commit -qm fleet)
for b in bubo crucible; do
	git clone -q "$F" "$D/$b/src"
	(cd "$D/$b/src" && "$SIGNET" fleet build --out ../out >/dev/null)
	"$SIGNET" fleet attest -C "$F" --builder $b --key "$K/hosts/$b/attestation.key" --build "$D/$b/out" -o "$D/$b.att"
done
"$SIGNET" fleet sign -C "$F" --keys "$K" --build "$D/bubo/out" --out "$S" "$D/bubo.att" "$D/crucible.att" >/dev/null
image() { python3 -c "import os,sys; sys.stdout.buffer.write(os.urandom($MIB << 20))" >"$S/hosts/app1/rootfs.img"; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$D/reg.yml" <<EOC
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $D/store
http:
  addr: 127.0.0.1:$port
EOC
docker-registry serve "$D/reg.yml" >"$D/reg.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
REG=127.0.0.1:$port U=oci://$REG/fleet/releases

"$SIGNET" release init --keys "$K" --repo "$R" >/dev/null
image
"$SIGNET" release create -C "$F" --keys "$K" --repo "$R" --from "$S" 1 >/dev/null
"$SIGNET" release publish --repo "$R" --to "$U" --plain-http >/dev/null
"$SIGNET" update download --trusted "$D/host" --root "$R/metadata/1.root.json" --from "$U" --plain-http \
	--host app1 --to "$D/slot" >/dev/null
image
"$SIGNET" release create -C "$F" --keys "$K" --repo "$R" --from "$S" 2 >/dev/null
"$SIGNET" release publish --repo "$R" --to "$U" --plain-http >"$D/pub"

# skopeo's side: an image manifest whose one layer is the new image's blob.
hex=$(sha256sum "$S/hosts/app1/rootfs.img" | cut -d' ' -f1)
size=$(stat -c %s "$S/hosts/app1/rootfs.img")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
	"$hex" "$size" >"$D/manifest.json"
curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary "@$D/manifest.json" \
	"http://$REG/v2/fleet/releases/manifests/bench" >/dev/null

best_k=999999 best_s=999999
for _ in $(seq "$RUNS"); do
	rm -rf "$D/host2" "$D/slot2" "$D/sk"
	cp -a "$D/host" "$D/host2"
	cp -a "$D/slot" "$D/slot2"
	sync
	t0=$(now)
	skopeo copy -q --src-tls-verify=false "docker://$REG/fleet/releases:bench" "dir:$D/sk"
	t1=$(now)
	"$SIGNET" update download --trusted "$D/host2" --from "$U" --plain-http --host app1 --to "$D/slot2" >"$D/out"
	t2=$(now)
	best_s=$(echo "if ($t1 - $t0 < $best_s) $t1 - $t0 else $best_s" | bc -l)
	best_k=$(echo "if ($t2 - $t1 < $best_k) $t2 - $t1 else $best_k" | bc -l)
done
cmp -s "$S/hosts/app1/rootfs.img" "$D/slot2/rootfs.img" && same=same || same=DIFFERENT
total=$(awk '/^app1 release 2:/ {print $6}' "$D/out")
fetched=$(awk '/files fetched/ {print $1 " files, " $4 " bytes"}' "$D/out" | tr -d '(')
echo "update: app1, release 1 -> 2, only a ${MIB} MiB image changed (the new image: $same)"
echo "  release 2: $total bytes; fetched: $fetched"
echo "  publish of release 2: $(cat "$D/pub")"
printf '  %-30s %8.3f s %8.1f MiB/s\n' "skopeo copy (the blob)" "$best_s" "$(echo "$MIB / $best_s" | bc -l)"
printf '  %-30s %8.3f s %8.1f MiB/s\n' "signet update download" "$best_k" "$(echo "$MIB / $best_k" | bc -l)"
printf '  ratio (skopeo / signet): %.2f\n' "$(echo "$best_s / $best_k" | bc -l)"
