#!/bin/bash
# signet fleet build, plan, attest, compare, lock: the example fleet
# built by two builders from two clones in different directories, under
# different TZ, umask and LANG, agrees byte for byte; an edit of one app
# host's document changes exactly that host's artifacts; attestations
# and the lock refuse what does not match.
. "$(dirname "$0")/lib.sh"
command -v git >/dev/null || { echo "missing git" >&2; exit 1; }
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@example.invalid GIT_AUTHOR_DATE=@1796000000 GIT_COMMITTER_DATE=@1796000000
unset SOURCE_DATE_EPOCH

F=$T/fleet K=$T/fleet.keys
check "fleet init" "$SIGNET" fleet init "$F"
check "fleet issue (the DNS keys; state/dns/root.ds)" "$SIGNET" fleet issue -C "$F" --keys "$K"
(cd "$F" && git init -q && git add . && git commit -qm "the fleet") && ok || ko "commit the fleet"
git clone -q "$F" "$T/bubo/src" && git clone -q "$F" "$T/crucible/deep/er/src" && ok || ko "clones"

# Each builder: its own clone, directory, TZ, umask and locale.
(cd "$T/bubo/src" && TZ=UTC LANG=C umask 022 && "$SIGNET" fleet build --out ../out) >"$T/.b1" 2>&1 &&
	ok || ko "bubo's build: $(cat "$T/.b1")"
(cd "$T/crucible/deep/er/src" && umask 077 &&
	TZ=Pacific/Auckland LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 "$SIGNET" fleet build -C . --out "$T/crucible/o" --json) \
	>"$T/b2.json" 2>"$T/.b2" && ok || ko "crucible's build: $(cat "$T/.b2")"
python3 - "$T/b2.json" <<'PY' && ok || ko "build --json: every artifact with host, kind, path, size, sha256"
import json, sys
m = json.load(open(sys.argv[1]))
arts = m["artifacts"]
assert arts and m["made"] == len(arts) and m["reused"] == 0
for a in arts:
    assert set(a) == {"host", "kind", "path", "size", "sha256", "inputs"}, a
assert [a["path"] for a in arts] == sorted(a["path"] for a in arts)
PY
check "bubo attests" "$SIGNET" fleet attest -C "$T/bubo/src" --builder bubo --key "$K/hosts/bubo/attestation.key" \
	--build "$T/bubo/out" -o "$T/bubo.att"
check "crucible attests" "$SIGNET" fleet attest -C "$F" --builder crucible \
	--key "$K/hosts/crucible/attestation.key" --build "$T/crucible/o" -o "$T/crucible.att"
check "compare: they agree" "$SIGNET" fleet compare -C "$F" "$T/bubo.att" "$T/crucible.att"
grep -q "^bubo and crucible agree: " "$T/.out" && ok || ko "compare's line: $(cat "$T/.out")"
# sha256sum of every listed artifact, in both builds.
python3 - "$T/b2.json" >"$T/sums" <<'PY'
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["sha256"] + "  " + a["path"])
PY
(cd "$T/bubo/out" && sha256sum -c --quiet "$T/sums") && ok || ko "bubo's files have the listed digests"
(cd "$T/crucible/o" && sha256sum -c --quiet "$T/sums") && ok || ko "crucible's files have the listed digests"
[ "$(stat -c %a "$T/crucible/o/hosts/app1/host.json")" = 644 ] && ok || ko "artifacts 0644 under umask 077"

# What an attestation refuses.
refuse "a key that is not the builder's" "$SIGNET" fleet attest -C "$F" --builder bubo \
	--key "$K/hosts/crucible/attestation.key" --build "$T/bubo/out" -o "$T/x.att"
absent "no attestation written" "$T/x.att"
cp -a "$T/bubo/out" "$T/changed"
echo tampered >>"$T/changed/hosts/app1/host.json"
refuse "an artifact changed after the build" "$SIGNET" fleet attest -C "$F" --builder bubo \
	--key "$K/hosts/bubo/attestation.key" --build "$T/changed" -o "$T/x.att"
refuse "one builder twice" "$SIGNET" fleet compare -C "$F" "$T/bubo.att" "$T/bubo.att"
sed 's/"size": [0-9]*/"size": 1/' "$T/bubo.att" >"$T/forged.att"
refuse "an edited attestation" "$SIGNET" fleet compare -C "$F" "$T/forged.att" "$T/crucible.att"

# One app host's document edited: plan names exactly its artifacts, the
# rebuild makes only them, and the builders no longer agree.
# (committed ten minutes later: a new commit time alone changes nothing)
(cd "$T/bubo/src" && sed -i 's/prompt_seconds: 2 /prompt_seconds: 7 /' hosts/app2.yaml &&
	GIT_COMMITTER_DATE=@1796000600 git commit -qam "app2: a longer prompt") && ok || ko "edit app2"
check "plan against crucible's attestation" "$SIGNET" fleet plan -C "$T/bubo/src" --against "$T/crucible.att" --json
python3 - "$T/.out" "$T/b2.json" <<'PY' && ok || ko "plan: exactly app2's artifacts changed: $(head -c 300 "$T/.out")"
import json, sys
plan = json.load(open(sys.argv[1]))
arts = json.load(open(sys.argv[2]))["artifacts"]
changed = {e["path"] for e in plan if e["change"] != "unchanged"}
app2 = {a["path"] for a in arts if a["host"] == "app2"}
assert changed == app2 and app2, (changed, app2)
assert all(e["change"] == "changed" for e in plan if e["path"] in app2)
assert len(plan) == len(arts)
PY
check "plan against a build, as text" "$SIGNET" fleet plan -C "$T/bubo/src" --build "$T/bubo/out"
grep -q "^changed   app2 " "$T/.out" && grep -q "1 changed" "$T/.out" && ok || ko "plan text: $(cat "$T/.out")"
before=$(cd "$T/bubo/out" && find . -type f ! -path './hosts/app2/*' ! -name manifest.json -exec sha256sum {} + | sort)
check "rebuild after the edit" "$SIGNET" fleet build -C "$T/bubo/src" --out "$T/bubo/out" --json
python3 - "$T/.out" <<'PY' && ok || ko "rebuild made only app2's artifacts: $(head -c 300 "$T/.out")"
import json, sys
m = json.load(open(sys.argv[1]))
app2 = [a for a in m["artifacts"] if a["host"] == "app2"]
assert m["made"] == len(app2) and m["reused"] == len(m["artifacts"]) - len(app2)
PY
[ "$before" = "$(cd "$T/bubo/out" && find . -type f ! -path './hosts/app2/*' ! -name manifest.json -exec sha256sum {} + | sort)" ] &&
	ok || ko "the other hosts' artifacts are untouched"
rm -f "$T/bubo.att"
check "bubo attests the new commit" "$SIGNET" fleet attest -C "$F" --builder bubo --key "$K/hosts/bubo/attestation.key" \
	--build "$T/bubo/out" -o "$T/bubo.att"
"$SIGNET" fleet compare -C "$F" "$T/bubo.att" "$T/crucible.att" >"$T/.out" 2>"$T/.err"
[ $? -eq 1 ] && grep -q "built different commits" "$T/.err" && grep -q "^hosts/app2/host.json: bubo and crucible differ" "$T/.err" &&
	ok || ko "compare names the difference: $(cat "$T/.err")"

# A working tree that is not its commit is marked dirty, and refused by compare.
echo "# local" >>"$T/bubo/src/hosts/app1.yaml"
check "dirty build" "$SIGNET" fleet build -C "$T/bubo/src" --out "$T/dirty"
grep -q "(dirty)" "$T/.out" && ok || ko "the build says dirty: $(cat "$T/.out")"

# Outside git: the time must come from SOURCE_DATE_EPOCH.
cp -a "$F" "$T/nogit" && rm -rf "$T/nogit/.git"
refuse "no commit, no SOURCE_DATE_EPOCH" "$SIGNET" fleet build -C "$T/nogit" --out "$T/ng"
absent "nothing built" "$T/ng"
SOURCE_DATE_EPOCH=1796000000 "$SIGNET" fleet build -C "$T/nogit" --out "$T/ng" >/dev/null && ok || ko "SOURCE_DATE_EPOCH"
cmp -s "$T/ng/hosts/app1/host.json" "$T/crucible/o/hosts/app1/host.json" && ok || ko "same document, same bytes"

# The lock: every pinned input in the inputs directory, or nothing.
mkdir -p "$T/inputs/rootfs" && printf 'kernel' >"$T/inputs/kernel" && printf 'rootfs' >"$T/inputs/rootfs/debian"
check "fleet lock" "$SIGNET" fleet lock -C "$T/bubo/src" --inputs "$T/inputs"
grep -q "2 inputs pinned" "$T/.out" && ok || ko "lock: $(cat "$T/.out")"
check "check after lock" "$SIGNET" fleet check -C "$T/bubo/src"
check "build with the inputs" "$SIGNET" fleet build -C "$T/bubo/src" --out "$T/locked" --inputs "$T/inputs"
printf 'other' >"$T/inputs/kernel"
rm -rf "$T/locked2"
"$SIGNET" fleet build -C "$T/bubo/src" --out "$T/locked2" --inputs "$T/inputs" >"$T/.out" 2>"$T/.err"
[ $? -eq 1 ] && [ "$(wc -l <"$T/.err")" -eq 1 ] && grep -q "^fleet.lock:4: input 'kernel': .* has 5 bytes and SHA-256 " "$T/.err" &&
	ok || ko "a lock mismatch: one fleet.lock:LINE line: $(cat "$T/.err")"
absent "nothing built on a lock mismatch" "$T/locked2"
ls -a "$T" | grep -q signet-new && ko "a half build left behind" || ok

# A rootfs pinned as an OCI layout needs its oci-layout and its image's
# root hash pinned beside it (signet-fleet(5)).
printf 'kernel' >"$T/inputs/kernel"
mkdir -p "$T/inputs/rootfs/os" && printf '{}' >"$T/inputs/rootfs/os/index.json"
echo "rootfs: os" >>"$T/bubo/src/hosts/app2.yaml"
"$SIGNET" fleet lock -C "$T/bubo/src" --inputs "$T/inputs" >/dev/null 2>&1
"$SIGNET" fleet check -C "$T/bubo/src" >"$T/.out" 2>"$T/.err"
[ $? -eq 1 ] && grep -q "^hosts/app2.yaml:1: rootfs 'os': the OCI layout 'rootfs/os/' has no pinned oci-layout file$" "$T/.err" &&
	grep -q "^hosts/app2.yaml:1: rootfs 'os' is an OCI layout but its root hash 'rootfs/os.roothash' is not pinned$" "$T/.err" &&
	ok || ko "a layout rootfs without its pins: $(cat "$T/.err")"
printf '{"schemaVersion":2}' >"$T/inputs/rootfs/os/oci-layout"
printf '%064d' 0 >"$T/inputs/rootfs/os.roothash"
"$SIGNET" fleet lock -C "$T/bubo/src" --inputs "$T/inputs" >/dev/null 2>&1
check "a layout rootfs with its pins" "$SIGNET" fleet check -C "$T/bubo/src"
sed -i 's/^rootfs: os$/rootfs: nothing/' "$T/bubo/src/hosts/app2.yaml"
"$SIGNET" fleet check -C "$T/bubo/src" >"$T/.out" 2>"$T/.err"
[ $? -eq 1 ] && grep -q "^hosts/app2.yaml:1: rootfs 'nothing' is not pinned in fleet.lock (no input 'rootfs/nothing' nor an OCI layout 'rootfs/nothing/')$" "$T/.err" &&
	ok || ko "an unpinned rootfs: $(cat "$T/.err")"

finish
