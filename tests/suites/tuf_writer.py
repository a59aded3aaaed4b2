#!/usr/bin/env python3
"""tuf_writer.py - an independent TUF 1.0 repository writer, from the
specification alone (no signet code): Ed25519 keys (Python's
`cryptography`), keyids as the SHA-256 of the key object's canonical JSON,
signatures over the canonical JSON of "signed" (sorted keys, no
whitespace: securesystemslib's form for these documents), consistent
snapshots. It writes honest repositories and, for the tests, validly
signed malicious ones: every version, file name, length and hash can be
set apart from the truth.

  tuf_writer.py CONFIG.json OUTDIR

CONFIG:
  keys       {NAME: SEED_HEX}
  roots      [{version, expires, roles: {ROLE: {keys: [NAME], threshold}},
               signers: [NAME], file_version (default: version)}]
  targets    {version, expires, signers, files, delegations: [{name, keys,
              threshold, paths, terminating}], file_version}
  delegated  {ROLE: {version, expires, signers, files, file_version}}
  snapshot   {version, expires, signers, meta (default: every role's
              version)}
  timestamp  {version, expires, signers, snapshot_version (default: the
              snapshot's)}
  files      {PATH: {content, custom, length, sha256}}: length and sha256
             override what is signed; the file written is the content,
             under the name the signed sha256 gives.
"""
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Key:
    def __init__(self, seed_hex):
        self.sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
        pub = self.sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.obj = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": pub.hex()}}
        self.keyid = hashlib.sha256(canonical(self.obj)).hexdigest()


def envelope(signed, signers):
    data = canonical(signed)
    sigs = [{"keyid": k.keyid, "sig": k.sk.sign(data).hex()} for k in signers]
    return canonical({"signatures": sigs, "signed": signed})


def common(kind, doc):
    return {"_type": kind, "spec_version": "1.0.31", "version": doc["version"], "expires": doc["expires"]}


def main():
    conf = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    keys = {n: Key(s) for n, s in conf["keys"].items()}
    meta_dir = os.path.join(out, "metadata")
    os.makedirs(meta_dir, exist_ok=True)

    def write(name, data):
        with open(os.path.join(meta_dir, name), "wb") as f:
            f.write(data)

    def signers(doc):
        return [keys[n] for n in doc["signers"]]

    for r in conf["roots"]:
        signed = common("root", r)
        signed["consistent_snapshot"] = True
        used = sorted({n for role in r["roles"].values() for n in role["keys"]})
        signed["keys"] = {keys[n].keyid: keys[n].obj for n in used}
        signed["roles"] = {role: {"keyids": [keys[n].keyid for n in v["keys"]], "threshold": v["threshold"]}
                           for role, v in r["roles"].items()}
        data = envelope(signed, signers(r))
        write("%d.root.json" % r.get("file_version", r["version"]), data)
    write("root.json", data)

    def targets_of(files):
        t = {}
        for path, f in files.items():
            content = f["content"].encode()
            sha = hashlib.sha256(content).hexdigest()
            entry = {"length": f.get("length", len(content)), "hashes": {"sha256": f.get("sha256", sha)}}
            if "custom" in f:
                entry["custom"] = f["custom"]
            t[path] = entry
            d, base = os.path.split(path)
            tdir = os.path.join(out, "targets", d)
            os.makedirs(tdir, exist_ok=True)
            # under the name its signed hash gives: a mirror serving other bytes
            with open(os.path.join(tdir, "%s.%s" % (entry["hashes"]["sha256"], base)), "wb") as fh:
                fh.write(content)
        return t

    versions = {}
    top = conf["targets"]
    signed = common("targets", top)
    signed["targets"] = targets_of(top.get("files", {}))
    if "delegations" in top:
        dk = sorted({n for d in top["delegations"] for n in d["keys"]})
        signed["delegations"] = {
            "keys": {keys[n].keyid: keys[n].obj for n in dk},
            "roles": [{"name": d["name"], "keyids": [keys[n].keyid for n in d["keys"]],
                       "threshold": d["threshold"], "paths": d["paths"], "terminating": d["terminating"]}
                      for d in top["delegations"]]}
    write("%d.targets.json" % top.get("file_version", top["version"]), envelope(signed, signers(top)))
    versions["targets.json"] = top["version"]
    for role, doc in conf.get("delegated", {}).items():
        signed = common("targets", doc)
        signed["targets"] = targets_of(doc.get("files", {}))
        write("%d.%s.json" % (doc.get("file_version", doc["version"]), role), envelope(signed, signers(doc)))
        versions[role + ".json"] = doc["version"]

    snap = conf["snapshot"]
    signed = common("snapshot", snap)
    signed["meta"] = snap.get("meta", {n: {"version": v} for n, v in versions.items()})
    sdata = envelope(signed, signers(snap))
    write("%d.snapshot.json" % snap["version"], sdata)

    ts = conf["timestamp"]
    signed = common("timestamp", ts)
    signed["meta"] = {"snapshot.json": {"version": ts.get("snapshot_version", snap["version"]),
                                        "length": len(sdata),
                                        "hashes": {"sha256": hashlib.sha256(sdata).hexdigest()}}}
    write("timestamp.json", envelope(signed, signers(ts)))


if __name__ == "__main__":
    main()
