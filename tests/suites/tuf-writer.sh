#!/bin/bash
# tuf-writer.sh - signet update against repositories an independent
# writer made from the TUF specification (tuf_writer.py: Python's json and
# cryptography): an honest one, with a root rotation and a delegation per
# host, is accepted and its files fetched; validly signed attacks are each
# refused with their own message and nothing is fetched: a snapshot
# naming another targets version (mix-and-match), a host's role signed by
# a key not delegated to it, a root rotation that skips a version, a
# target with another hash or more bytes than signed, an expired
# timestamp (freeze), a timestamp naming an older snapshot and a snapshot
# naming older targets (rollbacks). tuf-js, the TUF project's client,
# agrees on the honest repository and refuses the attacks too.
. "$(dirname "$0")/lib.sh"
export SIGNET_NOW=2030-01-01T00:00:00Z
W=$SRCDIR/tests/suites/tuf_writer.py

# The configurations: one honest repository and its variants.
python3 - "$T" <<'PY'
import copy, json, sys
t = sys.argv[1]
seed = lambda i: "%064x" % (0x5eed0000 + i)
index = json.dumps({"host": "web1", "release": 5, "files": ["app.conf", "boot/uki.efi.age"]}, separators=(",", ":"))
custom = lambda kind: {"signet": {"release": 5, "host": "web1", "kind": kind}}
far = "2100-01-01T00:00:00Z"
roles = lambda r: {"root": {"keys": [r], "threshold": 1}, "timestamp": {"keys": ["ts"], "threshold": 1},
                   "snapshot": {"keys": ["sn"], "threshold": 1}, "targets": {"keys": ["tg"], "threshold": 1}}
honest = {
    "keys": {"r1": seed(1), "r2": seed(2), "ts": seed(3), "sn": seed(4), "tg": seed(5), "w1": seed(6), "w2": seed(7)},
    "roots": [{"version": 1, "expires": far, "roles": roles("r1"), "signers": ["r1"]},
              {"version": 2, "expires": far, "roles": roles("r2"), "signers": ["r1", "r2"]}],
    "targets": {"version": 2, "expires": far, "signers": ["tg"], "files": {},
                "delegations": [{"name": "host-web1", "keys": ["w1"], "threshold": 1,
                                 "paths": ["hosts/web1/*", "hosts/web1/*/*"], "terminating": True},
                                {"name": "host-web2", "keys": ["w2"], "threshold": 1,
                                 "paths": ["hosts/web2/*"], "terminating": True}]},
    "delegated": {"host-web1": {"version": 1, "expires": far, "signers": ["w1"], "files": {
        "hosts/web1/release.json": {"content": index + "\n", "custom": custom("index")},
        "hosts/web1/app.conf": {"content": "listen 443;\n" * 50, "custom": custom("file")},
        "hosts/web1/boot/uki.efi.age": {"content": "age ciphertext\n", "custom": custom("uki")}}},
                  "host-web2": {"version": 1, "expires": far, "signers": ["w2"], "files": {}}},
    "snapshot": {"version": 2, "expires": far, "signers": ["sn"]},
    "timestamp": {"version": 2, "expires": far, "signers": ["ts"]},
}
def save(name, c):
    json.dump(c, open("%s/%s.json" % (t, name), "w"))
save("honest", honest)
c = copy.deepcopy(honest)  # 2.targets.json holds version 1
c["targets"]["version"] = 1; c["targets"]["file_version"] = 2
c["snapshot"]["meta"] = {"targets.json": {"version": 2}, "host-web1.json": {"version": 1}, "host-web2.json": {"version": 1}}
save("mix", c)
c = copy.deepcopy(honest); c["delegated"]["host-web1"]["signers"] = ["w2"]; save("wrongkey", c)
c = copy.deepcopy(honest); c["roots"][1]["version"] = 3; c["roots"][1]["file_version"] = 2; save("skip", c)
c = copy.deepcopy(honest); c["delegated"]["host-web1"]["files"]["hosts/web1/app.conf"]["sha256"] = "ab" * 32; save("hash", c)
c = copy.deepcopy(honest); c["delegated"]["host-web1"]["files"]["hosts/web1/app.conf"]["length"] = 100; save("length", c)
c = copy.deepcopy(honest); c["timestamp"]["expires"] = "2020-01-01T00:00:00Z"; save("expired", c)
c = copy.deepcopy(honest); c["timestamp"]["version"] = 3; c["snapshot"]["version"] = 1; save("oldsnap", c)
c = copy.deepcopy(honest); c["timestamp"]["version"] = 3; c["snapshot"]["version"] = 3; c["targets"]["version"] = 1
save("oldtargets", c)
PY
for c in honest mix wrongkey skip hash length expired oldsnap oldtargets; do
	python3 "$W" "$T/$c.json" "$T/repo.$c" || ko "the writer: $c"
done

check "an independent writer's repository" "$SIGNET" update check --trusted "$T/h" \
	--root "$T/repo.honest/metadata/1.root.json" --from "$T/repo.honest" --host web1
grep -q "^web1 release 5: 2 files, 615 bytes (role host-web1)$" "$T/.out" && ok || ko "its release: $(head -1 "$T/.out")"
grep -q '"version":2' "$T/h/root.json" && ok || ko "the rotated root trusted"
check "its files" "$SIGNET" update download --trusted "$T/h" --from "$T/repo.honest" --host web1 --to "$T/got"
[ "$(cat "$T/got/boot/uki.efi.age")" = "age ciphertext" ] && ok || ko "a file two names deep"
refuse "another host's role" "$SIGNET" update check --trusted "$T/h" --from "$T/repo.honest" --host web2
grep -q "no release for web2" "$T/.err" && ok || ko "web2: $(cat "$T/.err")"

# attack NAME MESSAGE [download]: refused from a fresh start, its message
# named, nothing fetched.
attack() {
	local name=$1 msg=$2 verb=${3:-check}
	local args=(--trusted "$T/t.$name" --root "$T/repo.$name/metadata/1.root.json" --from "$T/repo.$name" --host web1)
	[ "$verb" = download ] && args+=(--to "$T/got.$name")
	refuse "$name" "$SIGNET" update "$verb" "${args[@]}"
	grep -qF -- "$msg" "$T/.err" && ok || ko "$name: '$msg' not in: $(cat "$T/.err")"
	[ "$verb" = download ] && absent "$name: nothing fetched" "$T/got.$name/app.conf"
}
attack mix "2.targets.json: version 1, but its parent names version 2: mix-and-match"
attack wrongkey "1.host-web1.json: signed by 0 of the 1 keys it needs of host-web1's 1"
attack skip "root rotation refused: 2.root.json holds version 3 (no root may be skipped)"
attack hash "hosts/web1/app.conf: its sha256 is not the one signed" download
attack length "app.conf: more than the 100 bytes signed" download
attack expired "timestamp.json: expired at 2020-01-01T00:00:00Z (it is 2030-01-01T00:00:00Z)"

# Rollbacks: from the honest repository's trust on.
for r in oldsnap oldtargets; do cp -a "$T/h" "$T/h.$r"; done
refuse "an older snapshot" "$SIGNET" update check --trusted "$T/h.oldsnap" --from "$T/repo.oldsnap" --host web1
grep -qF "timestamp.json: names snapshot version 1, below the trusted 2: a rollback" "$T/.err" && ok ||
	ko "oldsnap: $(cat "$T/.err")"
refuse "older targets" "$SIGNET" update check --trusted "$T/h.oldtargets" --from "$T/repo.oldtargets" --host web1
grep -qF "snapshot: targets.json version 1 is below the trusted 2: a rollback" "$T/.err" && ok ||
	ko "oldtargets: $(cat "$T/.err")"
same "nothing trusted changed" "$T/h/snapshot.json" "$T/h.oldtargets/snapshot.json"
# The writer is TUF as its project's client reads it: tuf-js accepts the
# honest repository and refuses the attacks too (the same files).
TJ=$(npm_package tuf-js@4.1.0) || { ko "install tuf-js"; finish; exit 1; }
for c in honest mix wrongkey skip hash; do
	nginx_serve "$T/repo.$c" || { ko "nginx"; finish; exit 1; }
	node "$SRCDIR/tests/suites/tufjs_fetch.js" "$TJ" "$NGINX_URL/metadata" "$NGINX_URL/targets" \
		"$T/repo.$c/metadata/1.root.json" "$T/tj.$c" hosts/web1/app.conf "$T/tj.$c.out" >"$T/.out" 2>"$T/.err"
	rc=$?
	if [ $c = honest ]; then
		[ $rc = 0 ] && grep -q '"length":600' "$T/.out" && ok || ko "tuf-js reads the honest repository: $(cat "$T/.err")"
	else
		[ $rc = 1 ] && ok || ko "tuf-js refuses $c (exit $rc): $(cat "$T/.out")"
	fi
done
finish
