#!/bin/bash
# signet release and signet update: a signed fleet build becomes a TUF
# repository, published to a mirror directory; a host's client refreshes
# its trusted metadata from it and fetches its release, every file checked.
# The UKI is published only encrypted to the host (age decrypts it); a
# second release republishes nothing but metadata and indexes; rollbacks,
# freezes (also with the clock reset), wrong, longer and endless targets
# are refused, each with its own message, and nothing is installed. npm
# tuf-js (the TUF project's client) refreshes and downloads what signet
# published, through a root rotation, and refuses an expired one.
. "$(dirname "$0")/lib.sh"
for t in git age nginx curl docker-registry skopeo; do
	command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }
done
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@example.invalid GIT_AUTHOR_DATE=@1796000000 GIT_COMMITTER_DATE=@1796000000
unset SOURCE_DATE_EPOCH
# The clock, fixed: day 0 is when the releases are made.
DAY0=2026-12-05T00:00:00Z DAY3=2026-12-08T00:00:00Z DAY8=2026-12-13T00:00:00Z
export SIGNET_NOW=$DAY0

F=$T/fleet K=$T/fleet.keys S=$T/signed R=$T/repo M=$T/mirror
signed_fleet "$T" && ok || ko "a signed fleet build"
# This fleet pins no kernel, so its build has no UKIs: web1 gets one here
# (the bytes of a UKI do not matter to a release, only that it is secret).
mkdir -p "$S/hosts/web1/boot" && head -c 300000 /dev/zero | tr '\0' 'u' >"$S/hosts/web1/boot/uki.efi"
printf 'secret ssh key in the initrd' >>"$S/hosts/web1/boot/uki.efi"

# --- init -------------------------------------------------------------------
check "release init" "$SIGNET" release init --keys "$K" --repo "$R"
for k in root targets snapshot; do
	grep -q "^-----BEGIN AGE ENCRYPTED FILE-----" "$K/release/$k.key" && ok || ko "$k.key is sealed"
done
[ "$(stat -c %a "$K/release/timestamp.key")" = 600 ] && ok || ko "timestamp.key is 0600"
grep -q '"_type":"root"' "$R/metadata/1.root.json" && cmp -s "$R/metadata/1.root.json" "$R/metadata/root.json" &&
	ok || ko "root version 1"
check "init again" "$SIGNET" release init --keys "$K" --repo "$R"
[ ! -s "$T/.out" ] && ok || ko "a second init makes nothing: $(cat "$T/.out")"

# --- release 1 ---------------------------------------------------------------
check "release create 1" "$SIGNET" release create -C "$F" --keys "$K" --repo "$R" --from "$S" 1
grep -q "^host-web1: release 1, " "$T/.out" && ok || ko "create's report: $(cat "$T/.out")"
find "$R/targets" -name '*uki.efi*' | grep -q 'uki.efi.age$' && ! find "$R" -name '*.uki.efi' | grep -q . &&
	ok || ko "the UKI only encrypted"
! grep -rq "secret ssh key" "$R" && ok || ko "no plaintext of the UKI in the repository"
check "publish" "$SIGNET" release publish --repo "$R" --to "$M"
cp -a "$M" "$T/mirror1"

H=$T/host
check "update check" "$SIGNET" update check --trusted "$H" --root "$M/metadata/1.root.json" --from "$M" --host web1
grep -q "^web1 release 1: 11 files, " "$T/.out" && ok || ko "check's report: $(head -1 "$T/.out")"
grep -q "^boot/uki.efi.age [0-9]* [0-9a-f]\{64\} uki$" "$T/.out" && ok || ko "the UKI listed"
check "update download" "$SIGNET" update download --trusted "$H" --from "$M" --host web1 --to "$T/got1"
for f in host.json nginx/nginx.conf nginx/tls/www.crt; do
	same "$f as signed" "$S/hosts/web1/$f" "$T/got1/$f"
done
check "download again" "$SIGNET" update download --trusted "$H" --from "$M" --host web1 --to "$T/got1"
grep -q "^0 files fetched (0 bytes), 11 already there$" "$T/.out" && ok || ko "nothing fetched twice: $(tail -1 "$T/.out")"
age -d -i "$K/hosts/web1/age.key" -o "$T/uki.plain" "$T/got1/boot/uki.efi.age" && ok || ko "age decrypts the UKI"
same "the UKI" "$S/hosts/web1/boot/uki.efi" "$T/uki.plain"
! age -d -i "$K/hosts/app1/age.key" "$T/got1/boot/uki.efi.age" >/dev/null 2>&1 && ok ||
	ko "another host cannot decrypt it"
refuse "a host without a release" "$SIGNET" update check --trusted "$H" --from "$M" --host nosuch
grep -q "no release for nosuch" "$T/.err" && ok || ko "names it: $(cat "$T/.err")"

# --- release 2: the same build; nothing but metadata and indexes moves ----------
check "release create 2" "$SIGNET" release create -C "$F" --keys "$K" --repo "$R" --from "$S" 2
check "publish 2" "$SIGNET" release publish --repo "$R" --to "$M"
hosts=$(ls "$S/hosts" | wc -l)
roles=$(ls "$M/metadata" | grep -c '^2\.host-')
# each host: its role and release.json; then snapshot, root.json, timestamp.json
# (the top-level targets, whose delegations did not change, keeps its version)
want=$((hosts * 2 + 3))
grep -q "^$want files copied" "$T/.out" && ok || ko "republish copies $want files: $(cat "$T/.out") ($roles roles)"
[ "$(find "$M/targets" -name '*.uki.efi.age' | wc -l)" = 1 ] && ok || ko "the unchanged UKI keeps its ciphertext"
refuse "a release number not above the last" "$SIGNET" release create -C "$F" --keys "$K" --repo "$R" --from "$S" 2
grep -q "already lists release 2" "$T/.err" && ok || ko "says why: $(cat "$T/.err")"
check "check release 2" "$SIGNET" update check --trusted "$H" --from "$M" --host web1
grep -q "^web1 release 2: " "$T/.out" && ok || ko "release 2 seen: $(head -1 "$T/.out")"

# --- attacks on the host -----------------------------------------------------------
cp -a "$H" "$T/host.at2"
refuse "release 1's mirror after release 2 (rollback)" "$SIGNET" update check --trusted "$H" --from "$T/mirror1" \
	--host web1
grep -q "timestamp.json: version 1 is below the trusted 2: a rollback" "$T/.err" && ok || ko "rollback: $(cat "$T/.err")"
same "nothing trusted changed" "$T/host.at2/timestamp.json" "$H/timestamp.json"

SIGNET_NOW=$DAY8 refuse "a timestamp past its expiry (freeze)" "$SIGNET" update check --trusted "$H" --from "$M" \
	--host web1
grep -q "timestamp.json: expired at 2026-12-12T00:00:00Z (it is 2026-12-13T00:00:00Z)" "$T/.err" && ok ||
	ko "freeze: $(cat "$T/.err")"
# A copy of the repository as it is on day 0, for an old but newer-numbered
# timestamp below.
cp -a "$R" "$T/repo.day0"
SIGNET_NOW=$DAY8 check "the distribution host re-signs the timestamp" "$SIGNET" release timestamp --keys "$K" --repo "$R"
mv "$K/release/root.key" "$T/root.key.away" # the timestamp needs no offline key
SIGNET_NOW=$DAY8 check "publish the timestamp" "$SIGNET" release publish --repo "$R" --to "$M"
mv "$T/root.key.away" "$K/release/root.key"
SIGNET_NOW=$DAY8 check "accepted on day 8" "$SIGNET" update check --trusted "$H" --from "$M" --host web1
# Timestamps signed on day 0 with higher versions (valid to day 7), served
# to a host whose clock was reset to day 3: its trusted timestamp says day
# 8 has been, so they are a freeze all the same.
for i in 1 2; do
	check "an old timestamp, version $((2 + i))" "$SIGNET" release timestamp --keys "$K" --repo "$T/repo.day0"
done
check "publish it" "$SIGNET" release publish --repo "$T/repo.day0" --to "$T/mirror.day0"
SIGNET_NOW=$DAY3 refuse "a clock reset does not reopen a freeze" "$SIGNET" update check --trusted "$H" \
	--from "$T/mirror.day0" --host web1
grep -q "timestamp.json: expired at 2026-12-12T00:00:00Z (it is 2026-12-13T00:00:00Z)" "$T/.err" && ok ||
	ko "clock reset: $(cat "$T/.err")"
SIGNET_NOW=$DAY3 check "without that, the same host at day 3 would take it" "$SIGNET" update check \
	--trusted "$T/host.at2" --from "$T/mirror.day0" --host web1

# Targets: longer, endless, other bytes; nothing gets the file's name.
cp -a "$M" "$T/bad"
conf=$(find "$T/bad/targets/hosts/web1/nginx" -maxdepth 1 -name '*.nginx.conf')
printf 'more' >>"$conf"
SIGNET_NOW=$DAY8 refuse "a target longer than signed" "$SIGNET" update download --trusted "$T/host.bad" \
	--root "$M/metadata/1.root.json" --from "$T/bad" --host web1 --to "$T/got.bad"
grep -q "nginx.conf: more than the 2073 bytes signed" "$T/.err" && ok || ko "longer: $(cat "$T/.err")"
absent "no nginx.conf installed" "$T/got.bad/nginx/nginx.conf"
# endless: a FIFO that never ends; the download stops at the signed length
rm "$conf" && mkfifo "$conf" && { yes x >"$conf" 2>/dev/null & }
SIGNET_NOW=$DAY8 timeout 60 "$SIGNET" update download --trusted "$T/host.bad" --from "$T/bad" --host web1 \
	--to "$T/got.bad" >"$T/.out" 2>"$T/.err"
rc=$?
kill %1 2>/dev/null
[ $rc = 1 ] && grep -q "nginx.conf: more than the 2073 bytes signed" "$T/.err" && ok ||
	ko "an endless target stops at its length (rc $rc): $(cat "$T/.err")"
rm -f "$conf" && cp "$(find "$M/targets/hosts/web1/nginx" -maxdepth 1 -name '*.nginx.conf')" "$conf"
python3 - "$conf" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[100] ^= 1
open(p, "wb").write(bytes(b))
PY
SIGNET_NOW=$DAY8 refuse "a target with other bytes" "$SIGNET" update download --trusted "$T/host.bad" --from "$T/bad" \
	--host web1 --to "$T/got.bad"
grep -q "nginx.conf: its sha256 is not the one signed" "$T/.err" && ok || ko "hash: $(cat "$T/.err")"
absent "no nginx.conf installed" "$T/got.bad/nginx/nginx.conf"
absent "its partial removed" "$T/got.bad/nginx/nginx.conf.partial"

# A download cut off continues: half the file in .partial, the rest read.
mkdir -p "$T/got2/nginx"
head -c 1000 "$S/hosts/web1/nginx/nginx.conf" >"$T/got2/nginx/nginx.conf.partial"
SIGNET_NOW=$DAY8 check "a download continues" "$SIGNET" update download --trusted "$H" --from "$M" --host web1 \
	--to "$T/got2"
same "the continued file" "$S/hosts/web1/nginx/nginx.conf" "$T/got2/nginx/nginx.conf"
# --- a rotation of the root and timestamp keys ----------------------------------------
cp -a "$R" "$T/repo.before-rotation"
SIGNET_NOW=$DAY8 check "release rotate" "$SIGNET" release rotate --keys "$K" --repo "$R" root timestamp
grep -q "metadata/2.root.json: written, signed by the old and the new root" "$T/.out" && ok ||
	ko "rotate's report: $(cat "$T/.out")"
[ -e "$K/release/root.1.key" ] && [ -e "$K/release/timestamp.1.key" ] && ok || ko "the old keys kept"
SIGNET_NOW=$DAY8 check "publish the rotation" "$SIGNET" release publish --repo "$R" --to "$M"
SIGNET_NOW=$DAY8 check "the host steps to root 2" "$SIGNET" update check --trusted "$H" --from "$M" --host web1
grep -q '"_type":"root"' "$H/root.json" && grep -q '"version":2' "$H/root.json" && ok || ko "root 2 trusted"
# The old timestamp key, after the rotation: its timestamps are not signed.
cp -a "$R" "$T/repo.oldts"
mkdir -p "$T/oldkeys/release" && cp "$K/release/timestamp.1.key" "$T/oldkeys/release/timestamp.key"
SIGNET_NOW=$DAY8 check "a timestamp by the old key" "$SIGNET" release timestamp --keys "$T/oldkeys" --repo "$T/repo.oldts"
SIGNET_NOW=$DAY8 check "publish it" "$SIGNET" release publish --repo "$T/repo.oldts" --to "$T/mirror.oldts"
SIGNET_NOW=$DAY8 refuse "a timestamp by a key the root no longer names" "$SIGNET" update check --trusted "$H" \
	--from "$T/mirror.oldts" --host web1
grep -q "timestamp.json: signed by 0 of the 1 keys it needs of timestamp's 1" "$T/.err" && ok ||
	ko "old key: $(cat "$T/.err")"
refuse "rotate a role that is none" "$SIGNET" release rotate --keys "$K" --repo "$R" bogus

# --- over HTTP: nginx serves the mirror ------------------------------------------
nginx_serve "$M" || { ko "nginx"; finish; exit 1; }
SIGNET_NOW=$DAY8 check "check over HTTP" "$SIGNET" update check --trusted "$T/host.http" \
	--root "$M/metadata/1.root.json" --from "$NGINX_URL/" --host web1
grep -q "^web1 release 2: 11 files, " "$T/.out" && ok || ko "over HTTP: $(head -1 "$T/.out")"
mkdir -p "$T/got3/boot"
head -c 100000 "$M/targets/hosts/web1/boot/"*.uki.efi.age >"$T/got3/boot/uki.efi.age.partial"
SIGNET_NOW=$DAY8 check "download over HTTP, continued with a Range" "$SIGNET" update download \
	--trusted "$T/host.http" --from "$NGINX_URL" --host web1 --to "$T/got3"
cmp -s "$T/got1/boot/uki.efi.age" "$T/got3/boot/uki.efi.age" && ok || ko "the continued UKI"
grep -q '"GET /targets/hosts/web1/boot/[0-9a-f]*.uki.efi.age HTTP/1.1" 206 ' "$T/nginx.1/access.log" && ok ||
	ko "the UKI's rest came as a 206: $(grep uki "$T/nginx.1/access.log")"
refuse "a host without a release, over HTTP" "$SIGNET" update check --trusted "$T/host.http" --from "$NGINX_URL" \
	--host nosuch
nginx_serve "$T/bad" || { ko "nginx"; finish; exit 1; }
SIGNET_NOW=$DAY8 refuse "other bytes over HTTP" "$SIGNET" update download --trusted "$T/host.http2" \
	--root "$M/metadata/1.root.json" --from "$NGINX_URL" --host web1 --to "$T/got4"
grep -q "nginx.conf: its sha256 is not the one signed" "$T/.err" && ok || ko "hash over HTTP: $(cat "$T/.err")"
printf 'x' >>"$conf"
SIGNET_NOW=$DAY8 refuse "more bytes over HTTP" "$SIGNET" update download --trusted "$T/host.http2" \
	--from "$NGINX_URL" --host web1 --to "$T/got4"
grep -q "nginx.conf: more than the 2073 bytes signed" "$T/.err" && ok || ko "longer over HTTP: $(cat "$T/.err")"
absent "nothing installed" "$T/got4/nginx/nginx.conf"
# --- in a registry: docker-registry, skopeo reading what we pushed ---------------------
start_registry rel "" "" || { ko "docker-registry"; finish; exit 1; }
REG=127.0.0.1:$PORT_rel
check "publish to the registry" "$SIGNET" release publish --repo "$R" --to "oci://$REG/fleet/releases" --plain-http
grep -q "^[1-9][0-9]* blobs sent" "$T/.out" && ok || ko "publish's report: $(cat "$T/.out")"
check "publish again" "$SIGNET" release publish --repo "$R" --to "oci://$REG/fleet/releases" --plain-http
grep -q "^0 blobs sent .*; 2 metadata tags sent" "$T/.out" && ok || ko "only root.json and timestamp.json again: $(cat "$T/.out")"
check "skopeo reads the timestamp's manifest" skopeo inspect --raw --tls-verify=false \
	"docker://$REG/fleet/releases:timestamp.json"
layer=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["layers"][0]["digest"])' "$T/.out")
check "skopeo copies it" skopeo copy --src-tls-verify=false "docker://$REG/fleet/releases:timestamp.json" "dir:$T/sk"
same "skopeo's layer is the timestamp" "$R/metadata/timestamp.json" "$T/sk/${layer#sha256:}"
SIGNET_NOW=$DAY8 check "check from the registry" "$SIGNET" update check --trusted "$T/host.oci" \
	--root "$M/metadata/1.root.json" --from "oci://$REG/fleet/releases" --plain-http --host web1
grep -q "^web1 release 2: 11 files, " "$T/.out" && ok || ko "from the registry: $(head -1 "$T/.out")"
mkdir -p "$T/got5/boot"
head -c 100000 "$T/got1/boot/uki.efi.age" >"$T/got5/boot/uki.efi.age.partial"
SIGNET_NOW=$DAY8 check "download from the registry, continued" "$SIGNET" update download --trusted "$T/host.oci" \
	--from "oci://$REG/fleet/releases" --plain-http --host web1 --to "$T/got5"
same "the UKI from the registry" "$T/got1/boot/uki.efi.age" "$T/got5/boot/uki.efi.age"
same "nginx.conf from the registry" "$S/hosts/web1/nginx/nginx.conf" "$T/got5/nginx/nginx.conf"
grep -q 'GET /v2/fleet/releases/blobs/sha256:[0-9a-f]* .* 206 ' "$T/rel.log" && ok ||
	ko "the UKI's rest came as a 206: $(grep -c 206 "$T/rel.log")"
# --- npm tuf-js, the TUF project's JavaScript client, reads what signet wrote -----------
# tuf-js checks expiry against this machine's clock, so these releases are
# made at the real time (valid for days from now whenever the suite runs),
# with a root rotation, and one made in 2020 (expired whatever the day).
TJ=$(npm_package tuf-js@4.1.0) || { ko "install tuf-js"; finish; exit 1; }
R2=$T/repo.now M2=$T/mirror.now
(
	unset SIGNET_NOW
	"$SIGNET" release init --keys "$K" --repo "$R2" >/dev/null &&
		"$SIGNET" release create -C "$F" --keys "$K" --repo "$R2" --from "$S" 1 >/dev/null &&
		"$SIGNET" release rotate --keys "$K" --repo "$R2" root snapshot >/dev/null &&
		"$SIGNET" release publish --repo "$R2" --to "$M2" >/dev/null
) && ok || ko "a release at the real time"
nginx_serve "$M2" || { ko "nginx"; finish; exit 1; }
for f in nginx/nginx.conf boot/uki.efi.age; do
	check "tuf-js fetches hosts/web1/$f" node "$SRCDIR/tests/suites/tufjs_fetch.js" "$TJ" "$NGINX_URL/metadata" \
		"$NGINX_URL/targets" "$M2/metadata/1.root.json" "$T/tj" "hosts/web1/$f" "$T/tj.out"
	grep -q '"custom":{"signet":{"host":"web1","kind":"[a-z.]*",.*"release":1}}' "$T/.out" && ok ||
		ko "tuf-js sees the custom fields: $(cat "$T/.out")"
	[ "$f" = nginx/nginx.conf ] && same "tuf-js's nginx.conf" "$S/hosts/web1/nginx/nginx.conf" "$T/tj.out"
	[ "$f" = boot/uki.efi.age ] && age -d -i "$K/hosts/web1/age.key" "$T/tj.out" | cmp -s - "$S/hosts/web1/boot/uki.efi" &&
		ok
done
grep -q '"version":2' "$T/tj/metadata/root.json" && ok || ko "tuf-js stepped to the rotated root"
node "$SRCDIR/tests/suites/tufjs_fetch.js" "$TJ" "$NGINX_URL/metadata" "$NGINX_URL/targets" \
	"$M2/metadata/1.root.json" "$T/tj.x" "hosts/web2/none" "$T/tj.none" >/dev/null 2>&1
[ $? = 3 ] && ok || ko "tuf-js finds no target signet did not sign"
R3=$T/repo.2020 M3=$T/mirror.2020
SIGNET_NOW=2020-01-01T00:00:00Z "$SIGNET" release init --keys "$K" --repo "$R3" >/dev/null &&
	SIGNET_NOW=2020-01-01T00:00:00Z "$SIGNET" release create -C "$F" --keys "$K" --repo "$R3" --from "$S" 1 >/dev/null &&
	"$SIGNET" release publish --repo "$R3" --to "$M3" >/dev/null || ko "a release of 2020"
nginx_serve "$M3" || { ko "nginx"; finish; exit 1; }
node "$SRCDIR/tests/suites/tufjs_fetch.js" "$TJ" "$NGINX_URL/metadata" "$NGINX_URL/targets" \
	"$M3/metadata/1.root.json" "$T/tj.old" "hosts/web1/nginx/nginx.conf" "$T/tj.old.out" >"$T/.out" 2>"$T/.err"
[ $? = 1 ] && grep -q "tuf-js: ExpiredMetadataError" "$T/.err" && ok || ko "tuf-js refuses the expired release: $(cat "$T/.err")"
finish
