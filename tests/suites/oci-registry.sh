#!/bin/bash
# oci-registry.sh - signet oci pull and push against Debian's
# docker-registry (distribution 2.8) and skopeo, with umoci making the
# image: anonymous, basic auth (htpasswd), token auth (oci_token_server.py)
# and mutual TLS registries,
# resumed downloads, and a registry that breaks one rule per name
# (oci_fake_registry.py) for the refusals.
. "$(dirname "$0")/lib.sh"
for tool in docker-registry skopeo umoci htpasswd openssl python3; do
	command -v $tool >/dev/null || { echo "missing $tool (scripts/deps check)" >&2; exit 1; }
done
# Loopback only: no proxy in between.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
unset SIGNET_REGISTRY_PASSWORD

# The test image: umoci, two files and a larger one (deterministic bytes).
mkdir -p "$T/tree/etc"
echo hello >"$T/tree/etc/hello"
# 256 KiB that gzip cannot shrink: a SHA-256 chain
python3 -c 'import hashlib,sys; h=b"signet"; out=bytearray()
while len(out) < 262144: h=hashlib.sha256(h).digest(); out+=h
open(sys.argv[1],"wb").write(out)' "$T/tree/big"
umoci init --layout "$T/img" && umoci new --image "$T/img:t" &&
	umoci insert --image "$T/img:t" "$T/tree" / >/dev/null || { echo "umoci could not make the image" >&2; exit 1; }
IMG_DIGEST=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$T/img/index.json")
manifest_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][int(sys.argv[2])]["digest"])' "$1/index.json" "${2:-0}"; }
# The image's largest blob: its first layer.
LAYER=$(python3 -c 'import json,sys; d=sys.argv[1]; m=json.load(open(d+"/blobs/sha256/"+sys.argv[2][7:])); print(m["layers"][0]["digest"][7:], m["layers"][0]["size"])' "$T/img" "$IMG_DIGEST")
LAYER_SIZE=${LAYER#* }
LAYER=${LAYER% *}
[ "$LAYER_SIZE" -gt 200000 ] && ok || ko "the test layer is only $LAYER_SIZE bytes"

# same_blobs DESCRIPTION A B: every blob of the image in A is in B with the same bytes.
same_blobs() {
	local f bad=""
	for f in "$2"/blobs/sha256/*; do
		cmp -s "$f" "$3/blobs/sha256/$(basename "$f")" || bad="$bad $(basename "$f")"
	done
	if [ -z "$bad" ]; then ok; else ko "$1: blobs differ or are missing:$bad"; fi
}
# equal DESCRIPTION A B
equal() { if [ "$2" = "$3" ]; then ok; else ko "$1: '$2' is not '$3'"; fi; }

# ---- anonymous, plain HTTP ----
start_registry plain "" "" || { ko "registry"; finish; exit 1; }
R=127.0.0.1:$PORT_plain
check "skopeo pushes the image" skopeo copy --dest-tls-verify=false "oci:$T/img:t" "docker://$R/fleet/base:v1"
check "signet oci pull" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/pulled:v1"
PULLED=$(cat "$T/.out")
REMOTE=sha256:$(skopeo inspect --tls-verify=false --raw "docker://$R/fleet/base:v1" | sha256sum | cut -d' ' -f1)
equal "pull prints the registry's manifest digest" "$PULLED" "$REMOTE"
equal "the pulled manifest is the image's" "$PULLED" "$IMG_DIGEST"
equal "index.json names it" "$(manifest_of "$T/pulled")" "$IMG_DIGEST"
contains "index.json tags it v1" "$T/pulled/index.json" '"org.opencontainers.image.ref.name":"v1"'
same_blobs "pull brings the same blobs" "$T/pulled" "$T/img"
equal "and no others (manifest, config, one layer)" "$(ls "$T/pulled/blobs/sha256" | wc -l)" 3
check "umoci reads the pulled layout" umoci raw unpack --image "$T/pulled:v1" "$T/rootfs"
same "the pulled layer unpacks to the tree" "$T/tree/big" "$T/rootfs/big"
check "skopeo reads the pulled layout" skopeo inspect --raw "oci:$T/pulled:v1"
check "pull by digest" "$SIGNET" oci pull --plain-http "$R/fleet/base@$IMG_DIGEST" -o "$T/bydigest:d"
equal "pull by digest prints it" "$(cat "$T/.out")" "$IMG_DIGEST"
# A second tag into the same layout: both kept, no blob fetched again.
gets=$(grep -c "GET /v2/fleet/base/blobs/" "$T/plain.log")
check "pull a second tag into the layout" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/pulled:again"
equal "no blob fetched again" "$(grep -c "GET /v2/fleet/base/blobs/" "$T/plain.log")" "$gets"
contains "the first tag is kept" "$T/pulled/index.json" '"org.opencontainers.image.ref.name":"v1"'
contains "the second tag is there" "$T/pulled/index.json" '"org.opencontainers.image.ref.name":"again"'
check "pull the same tag again" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/pulled:v1"
equal "the tag is replaced, not doubled" "$(grep -o '"v1"' "$T/pulled/index.json" | wc -l)" 1

# Into umoci's own layout: its tags are kept, and umoci lists the new one.
cp -r "$T/img" "$T/mixed"
check "pull into umoci's layout" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/mixed:fromreg"
check "umoci lists the tags" umoci ls --layout "$T/mixed"
equal "umoci's tags: its own and the new one" "$(sort "$T/.out" | tr '\n' ' ')" "fromreg t "

# push, and skopeo brings it back
check "signet oci push" "$SIGNET" oci push --plain-http "$T/img:t" "$R/fleet/pushed:v2"
equal "push prints the manifest digest" "$(cat "$T/.out")" "$IMG_DIGEST"
check "skopeo copies it back" skopeo copy --src-tls-verify=false "docker://$R/fleet/pushed:v2" "oci:$T/back:t"
equal "the same manifest" "$(manifest_of "$T/back")" "$IMG_DIGEST"
same_blobs "the same blobs (manifest, config, layers)" "$T/back" "$T/img"
posts=$(grep -c "POST /v2/fleet/pushed/blobs/uploads/" "$T/plain.log")
[ "$posts" -ge 2 ] && ok || ko "push: $posts uploads"
check "push again" "$SIGNET" oci push --plain-http "$T/img:t" "$R/fleet/pushed:v3"
equal "push again sends no blob the registry has" "$(grep -c "POST /v2/fleet/pushed/blobs/uploads/" "$T/plain.log")" "$posts"
check "push by digest" "$SIGNET" oci push --plain-http "$T/img" "$R/fleet/bydigest@$IMG_DIGEST"
check "skopeo finds it by digest" skopeo inspect --tls-verify=false --raw "docker://$R/fleet/bydigest@$IMG_DIGEST"
expect_exit 1 "push under a digest that is not the manifest's" \
	"$SIGNET" oci push --plain-http "$T/img" "$R/fleet/bydigest@sha256:$LAYER"

# Docker's schema 2, as skopeo converts to it.
check "skopeo pushes a Docker schema 2 image" skopeo copy --format v2s2 --dest-tls-verify=false "oci:$T/img:t" "docker://$R/fleet/docker:v1"
check "pull of a Docker schema 2 manifest" "$SIGNET" oci pull --plain-http "$R/fleet/docker:v1" -o "$T/docker"
equal "its digest" "$(cat "$T/.out")" "sha256:$(skopeo inspect --tls-verify=false --raw "docker://$R/fleet/docker:v1" | sha256sum | cut -d' ' -f1)"
contains "index.json gives its media type" "$T/docker/index.json" "application/vnd.docker.distribution.manifest.v2+json"
same "with the same layer" "$T/docker/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"
# What pull writes, the layout reader (ocilayout.h, as unpack uses it) takes: push it on.
DOCKER_DIGEST=$(manifest_of "$T/docker")
check "push of a pulled Docker layout" "$SIGNET" oci push --plain-http "$T/docker:v1" "$R/fleet/repushed:docker"
equal "the same manifest" "$(cat "$T/.out")" "$DOCKER_DIGEST"
check "push of a pulled OCI layout" "$SIGNET" oci push --plain-http "$T/pulled:v1" "$R/fleet/repushed:oci"
equal "the same manifest" "$(cat "$T/.out")" "$IMG_DIGEST"

# A multi-platform index: an arm64 image first, then the amd64 one.
mkdir -p "$T/armtree" && echo arm >"$T/armtree/arch"
umoci new --image "$T/img:arm" && umoci insert --image "$T/img:arm" "$T/armtree" / >/dev/null ||
	ko "umoci could not make the arm64 image"
python3 - "$T/img" <<-'EOF'
	import hashlib, json, sys
	d = sys.argv[1]
	idx = json.load(open(d + "/index.json"))
	def tag(t):
	    return [m for m in idx["manifests"]
	            if m["annotations"]["org.opencontainers.image.ref.name"] == t][0]
	def entry(m, arch):
	    return {"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
	            "platform": {"architecture": arch, "os": "linux"}}
	def index(entries, name):
	    b = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
	                    "manifests": entries}).encode()
	    h = hashlib.sha256(b).hexdigest()
	    open(d + "/blobs/sha256/" + h, "wb").write(b)
	    idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json",
	                             "digest": "sha256:" + h, "size": len(b),
	                             "annotations": {"org.opencontainers.image.ref.name": name}})
	index([entry(tag("arm"), "arm64"), entry(tag("t"), "amd64")], "multi")
	index([entry(tag("arm"), "arm64")], "armonly")
	json.dump(idx, open(d + "/index.json", "w"))
EOF
check "skopeo pushes the index" skopeo copy --all --dest-tls-verify=false "oci:$T/img:multi" "docker://$R/fleet/multi:v1"
check "pull of an index" "$SIGNET" oci pull --plain-http "$R/fleet/multi:v1" -o "$T/multi"
equal "takes the linux/amd64 manifest" "$(cat "$T/.out")" "$IMG_DIGEST"
same "whose layer it has" "$T/multi/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"
INDEX=sha256:$(skopeo inspect --tls-verify=false --raw "docker://$R/fleet/multi:v1" | sha256sum | cut -d' ' -f1)
check "pull of an index by its digest" "$SIGNET" oci pull --plain-http "$R/fleet/multi@$INDEX" -o "$T/multi:bydigest"
equal "takes the linux/amd64 manifest" "$(cat "$T/.out")" "$IMG_DIGEST"
check "skopeo pushes an index without amd64" skopeo copy --all --dest-tls-verify=false "oci:$T/img:armonly" "docker://$R/fleet/armonly:v1"
refuse "pull of an index without linux/amd64" "$SIGNET" oci pull --plain-http "$R/fleet/armonly:v1" -o "$T/armonly"
contains "says so" "$T/.err" "without a linux/amd64 manifest"
absent "nothing written" "$T/armonly"

# Two pulls into one layout at once: each blob is written by one of
# them, and both tags end up in index.json.
for round in 1 2 3; do
	"$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/par$round:a" >"$T/par.a" 2>&1 &
	pa=$!
	"$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/par$round:b" >"$T/par.b" 2>&1 &
	pb=$!
	wait $pa && wait $pb && ok || ko "parallel pulls $round: $(cat "$T/par.a" "$T/par.b")"
	same "parallel pulls $round: the layer" "$T/par$round/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"
	contains "parallel pulls $round: tag a" "$T/par$round/index.json" '"org.opencontainers.image.ref.name":"a"'
	contains "parallel pulls $round: tag b" "$T/par$round/index.json" '"org.opencontainers.image.ref.name":"b"'
	absent "parallel pulls $round: no .partial" "$T/par$round/blobs/sha256/$LAYER.partial"
done

# Resume: a .partial of the layer's first 100000 bytes left in place.
mkdir -p "$T/resume/blobs/sha256"
head -c 100000 "$T/img/blobs/sha256/$LAYER" >"$T/resume/blobs/sha256/$LAYER.partial"
check "pull resumes a partial blob" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/resume"
same "the resumed blob" "$T/resume/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"
absent "no .partial left" "$T/resume/blobs/sha256/$LAYER.partial"
contains "the registry answered the Range with the rest (206)" "$T/plain.log" \
	"GET /v2/fleet/base/blobs/sha256:$LAYER HTTP/1.1\" 206 $((LAYER_SIZE - 100000)) "
contains "the resumed pull tags latest" "$T/resume/index.json" '"org.opencontainers.image.ref.name":"v1"'
# A .partial of wrong bytes: the digest check finds it, the blob is fetched whole.
mkdir -p "$T/corrupt/blobs/sha256"
head -c 100000 /dev/zero >"$T/corrupt/blobs/sha256/$LAYER.partial"
n206=$(grep -c "sha256:$LAYER HTTP/1.1\" 206" "$T/plain.log")
n200=$(grep -c "sha256:$LAYER HTTP/1.1\" 200 $LAYER_SIZE " "$T/plain.log")
check "pull with a corrupt partial" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/corrupt"
same "the refetched blob" "$T/corrupt/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"
equal "resumed once" "$(grep -c "sha256:$LAYER HTTP/1.1\" 206" "$T/plain.log")" $((n206 + 1))
equal "then fetched whole" "$(grep -c "sha256:$LAYER HTTP/1.1\" 200 $LAYER_SIZE " "$T/plain.log")" $((n200 + 1))
absent "no .partial left" "$T/corrupt/blobs/sha256/$LAYER.partial"
# A corrupt blob under its final name is replaced too.
mkdir -p "$T/bad-final/blobs/sha256"
echo junk >"$T/bad-final/blobs/sha256/$LAYER"
check "pull over a wrong blob" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/bad-final"
same "the wrong blob is replaced" "$T/bad-final/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"

# Bad input: one line each, exit 1 (2 for usage), nothing written.
for ref in "nohost" "$R" "$R/" "127.0.0.1:99999/fleet/base" "127.0.0.1:0/x" "$R/Fleet/base" "$R/fleet//base" \
	"$R/fleet/base:" "$R/fleet/base:-v1" "$R/fleet/base@sha256:abc" "$R/fleet/base@md5:00" "-h.x/a" "$R/a b"; do
	refuse "malformed REF '$ref'" "$SIGNET" oci pull --plain-http -o "$T/never" -- "$ref"
done
absent "a malformed REF writes nothing" "$T/never"
refuse "an unknown manifest" "$SIGNET" oci pull --plain-http "$R/fleet/base:nope" -o "$T/never"
contains "names the registry's error" "$T/.err" "$R/fleet/base:nope: manifest: 404 MANIFEST_UNKNOWN"
absent "an unknown manifest writes nothing" "$T/never"
refuse "https to a plain HTTP registry" "$SIGNET" oci pull "$R/fleet/base:v1" -o "$T/never"
refuse "a closed port" "$SIGNET" oci pull --plain-http "127.0.0.1:1/fleet/base:v1" -o "$T/never"
absent "a failed pull writes nothing" "$T/never"
expect_exit 2 "pull without -o" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1"
expect_exit 2 "a bad layout tag" "$SIGNET" oci pull --plain-http "$R/fleet/base:v1" -o "$T/never:a/b:-x"
expect_exit 2 "--password-file without --user" "$SIGNET" oci pull --plain-http --password-file /dev/null "$R/fleet/base:v1" -o "$T/never"
refuse "push of a tag the layout lacks" "$SIGNET" oci push --plain-http "$T/img:nope" "$R/fleet/x:v1"

# ---- a registry that breaks the rules ----
python3 "$SRCDIR/tests/suites/oci_fake_registry.py" "$T/img" "$T/fake.port" "$T/fake.log" 2>"$T/fake.err" &
SERVER_PIDS="$SERVER_PIDS $!"
for _ in $(seq 100); do [ -s "$T/fake.port" ] && break; sleep 0.1; done
F=127.0.0.1:$(cat "$T/fake.port")
check "the fake registry serves the image" "$SIGNET" oci pull --plain-http "$F/good:t" -o "$T/fake-good"
equal "and its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
refuse "a manifest whose digest does not match" "$SIGNET" oci pull --plain-http "$F/baddigest@$IMG_DIGEST" -o "$T/f1"
contains "says so" "$T/.err" "not the $IMG_DIGEST asked for"
absent "nothing written" "$T/f1"
refuse "a Docker-Content-Digest that is not the manifest's" "$SIGNET" oci pull --plain-http "$F/hdrdigest:t" -o "$T/f2"
absent "nothing written" "$T/f2"
for repo in short long badbytes; do
	refuse "a layer blob: $repo" "$SIGNET" oci pull --plain-http "$F/$repo:t" -o "$T/f-$repo"
	absent "$repo: no blob" "$T/f-$repo/blobs/sha256/$LAYER"
	absent "$repo: no .partial" "$T/f-$repo/blobs/sha256/$LAYER.partial"
	absent "$repo: no index.json" "$T/f-$repo/index.json"
done
contains "a short blob is named" "$T/.err" "" # the last is badbytes:
contains "badbytes: the digest check" "$T/.err" "blob sha256:$LAYER: its bytes hash to"
# A connection cut half-way: the .partial stays, the next pull resumes it.
refuse "a download cut off" "$SIGNET" oci pull --plain-http "$F/cut:t" -o "$T/f-cut"
absent "cut: no blob" "$T/f-cut/blobs/sha256/$LAYER"
absent "cut: no index.json" "$T/f-cut/index.json"
equal "cut: half of it kept" "$(stat -c %s "$T/f-cut/blobs/sha256/$LAYER.partial" 2>/dev/null)" $((LAYER_SIZE / 2))
check "the next pull resumes it" "$SIGNET" oci pull --plain-http "$F/cut:t" -o "$T/f-cut"
same "cut: the resumed blob" "$T/f-cut/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"
contains "cut: with a Range" "$T/fake.log" "GET /v2/cut/blobs/sha256:$LAYER range=bytes=$((LAYER_SIZE / 2))- 206"

# The same, from a registry that answers the Range with the whole blob.
refuse "a download cut off (no ranges)" "$SIGNET" oci pull --plain-http "$F/cut200:t" -o "$T/f-cut200"
check "the next pull starts it over" "$SIGNET" oci pull --plain-http "$F/cut200:t" -o "$T/f-cut200"
same "cut200: the blob" "$T/f-cut200/blobs/sha256/$LAYER" "$T/img/blobs/sha256/$LAYER"
contains "cut200: a 200 to the Range" "$T/fake.log" "GET /v2/cut200/blobs/sha256:$LAYER range=bytes=$((LAYER_SIZE / 2))- 200"
absent "cut200: no .partial" "$T/f-cut200/blobs/sha256/$LAYER.partial"

# Pushes to it: a relative Location, and a registry that misreports the digest.
check "push with a relative upload Location" "$SIGNET" oci push --plain-http "$T/img:t" "$F/relpush:v1"
equal "its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
contains "the layer went to the Location, with its digest" "$T/fake.log" \
	"PUT /v2/relpush/blobs/uploads/u1?_state=abc&digest=sha256%3a$LAYER range=- 201"
contains "then the manifest" "$T/fake.log" "PUT /v2/relpush/manifests/v1 range=- 201"
refuse "a registry that misreports the manifest's digest" "$SIGNET" oci push --plain-http "$T/img:t" "$F/liarpush:v1"
contains "says so" "$T/.err" "the registry says its digest is sha256:1111"

# ---- basic auth (htpasswd, bcrypt) ----
htpasswd -Bbn fleet 's3cret pass' >"$T/htpasswd" 2>/dev/null
printf 's3cret pass\n' >"$T/pass"
printf 'wrong\n' >"$T/wrong"
start_registry auth "" "auth:
  htpasswd:
    realm: signet-test
    path: $T/htpasswd" || { ko "auth registry"; finish; exit 1; }
A=127.0.0.1:$PORT_auth
check "push with basic auth" "$SIGNET" oci push --plain-http --user fleet --password-file "$T/pass" "$T/img:t" "$A/fleet/base:v1"
equal "its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
check "skopeo sees it with the same credentials" skopeo inspect --tls-verify=false --creds 'fleet:s3cret pass' --raw "docker://$A/fleet/base:v1"
equal "skopeo's manifest" "sha256:$(sha256sum <"$T/.out" | cut -d' ' -f1)" "$IMG_DIGEST"
refuse "pull without credentials" "$SIGNET" oci pull --plain-http "$A/fleet/base:v1" -o "$T/a0"
contains "asks for credentials" "$T/.err" "401"
refuse "pull with a wrong password" "$SIGNET" oci pull --plain-http --user fleet --password-file "$T/wrong" "$A/fleet/base:v1" -o "$T/a0"
contains "401 from the registry" "$T/.err" "manifest: 401"
absent "nothing written" "$T/a0"
check "pull with the password file" "$SIGNET" oci pull --plain-http --user fleet --password-file "$T/pass" "$A/fleet/base:v1" -o "$T/a1"
equal "its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
same_blobs "and blobs" "$T/a1" "$T/img"
check "pull with SIGNET_REGISTRY_PASSWORD" env SIGNET_REGISTRY_PASSWORD='s3cret pass' "$SIGNET" oci pull --plain-http --user fleet "$A/fleet/base:v1" -o "$T/a2"
equal "its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
expect_exit 2 "--user without a password" "$SIGNET" oci pull --plain-http --user fleet "$A/fleet/base:v1" -o "$T/a3"

# ---- token auth: the registry's 401 names a Bearer realm ----
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=token-signer \
	-keyout "$T/tok.key" -out "$T/tok.pem" 2>/dev/null
python3 "$SRCDIR/tests/suites/oci_token_server.py" "$T/tok.key" "$T/tok.pem" test-issuer test-registry \
	'fleet:s3cret pass' "$T/tok.port" "$T/tok.log" 2>"$T/tok.err" &
SERVER_PIDS="$SERVER_PIDS $!"
for _ in $(seq 100); do [ -s "$T/tok.port" ] && break; sleep 0.1; done
start_registry token "" "auth:
  token:
    realm: http://127.0.0.1:$(cat "$T/tok.port")/token
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $T/tok.pem" || { ko "token registry"; finish; exit 1; }
K=127.0.0.1:$PORT_token
check "push with a token" "$SIGNET" oci push --plain-http --user fleet --password-file "$T/pass" "$T/img:t" "$K/fleet/base:v1"
equal "its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
contains "a pull,push token was asked for" "$T/tok.log" "scope=repository:fleet/base:\(push,pull\|pull,push\) 200"
check "pull with a token" "$SIGNET" oci pull --plain-http --user fleet --password-file "$T/pass" "$K/fleet/base:v1" -o "$T/k1"
equal "its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
same_blobs "and blobs" "$T/k1" "$T/img"
refuse "no token without credentials" "$SIGNET" oci pull --plain-http "$K/fleet/base:v1" -o "$T/k0"
contains "the token server's 401" "$T/.err" "token: 401 UNAUTHORIZED"
absent "nothing written" "$T/k0"

# ---- mutual TLS with the fleet's CA ----
P="$T/pki"
mkdir -p "$P/other"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-fleet-ca \
	-keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
issue() { # NAME SUBJECT EXT
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$P/$1.key" -out "$P/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -days 2 -set_serial "$4" \
			-extfile <(printf '%s\n' "$3") -out "$P/$1.pem" 2>/dev/null
}
issue server 127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth" 1 && issue client operator "extendedKeyUsage=clientAuth" 2 ||
	ko "openssl could not make the certificates"
start_registry tls "  tls:
    certificate: $P/server.pem
    key: $P/server.key
    clientcas:
      - $P/ca.pem" "" || { ko "TLS registry"; finish; exit 1; }
S=127.0.0.1:$PORT_tls
TLS=(--ca "$P/ca.pem" --cert "$P/client.pem" --key "$P/client.key")
check "push over mutual TLS" "$SIGNET" oci push "${TLS[@]}" "$T/img:t" "$S/fleet/base:v1"
cp "$P/ca.pem" "$P/other/ca.crt"; cp "$P/client.pem" "$P/other/client.cert"; cp "$P/client.key" "$P/other/client.key"
check "skopeo sees it over mutual TLS" skopeo inspect --cert-dir "$P/other" --raw "docker://$S/fleet/base:v1"
equal "skopeo's manifest" "sha256:$(sha256sum <"$T/.out" | cut -d' ' -f1)" "$IMG_DIGEST"
refuse "pull without the client certificate" "$SIGNET" oci pull --ca "$P/ca.pem" "$S/fleet/base:v1" -o "$T/t0"
contains "asks whether one is wanted" "$T/.err" "client certificate"
refuse "pull without --ca (the system store does not know the fleet's CA)" \
	"$SIGNET" oci pull --cert "$P/client.pem" --key "$P/client.key" "$S/fleet/base:v1" -o "$T/t0"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-fleet-ca \
	-keyout "$P/stranger.key" -out "$P/stranger.pem" 2>/dev/null
refuse "pull trusting another CA of the same name" "$SIGNET" oci pull --ca "$P/stranger.pem" --cert "$P/client.pem" --key "$P/client.key" "$S/fleet/base:v1" -o "$T/t0"
contains "the certificate check fails" "$T/.err" "certificate"
refuse "plain HTTP to the TLS registry" "$SIGNET" oci pull --plain-http "$S/fleet/base:v1" -o "$T/t0"
absent "nothing written" "$T/t0"
check "pull over mutual TLS" "$SIGNET" oci pull "${TLS[@]}" "$S/fleet/base:v1" -o "$T/t1:v1"
equal "its digest" "$(cat "$T/.out")" "$IMG_DIGEST"
same_blobs "and blobs" "$T/t1" "$T/img"
expect_exit 2 "--key without --cert" "$SIGNET" oci pull --ca "$P/ca.pem" --key "$P/client.key" "$S/fleet/base:v1" -o "$T/t2"

finish
