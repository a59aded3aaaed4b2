#!/usr/bin/env python3
"""check_design.py - an outside checker of signet's authority formats.

Written from docs/design.md alone (no signet code): JCS (RFC 8785)
for the data model, signatures = Ed25519 over SHA-256("signet/v1/<kind>\\n"
|| JCS(object)), DomainID = lowercase unpadded base32 of
SHA-256("signet/v1/domain-id\\n" || 32-byte root public key), policy hash =
hex SHA-256 of JCS(policy without policy_hash). Uses Python's
`cryptography` package for Ed25519.

  check_design.py dam FILE            verify a DAM file, print its DomainID
  check_design.py policy FILE         print the policy hash
  check_design.py log DOMAIN_DIR      verify the audit log chain and receipts
  check_design.py claim FILE PUB_B64  verify an env claim and its snapshot-id
  check_design.py bundle -            verify a decrypted bundle (YAML on stdin,
                                      from `signet sops -d`): DAM signature,
                                      DomainIDs, policy hash, key pair; print
                                      its DomainID
  check_design.py make-dam OUT [--domain-id ID] [--expires TS] [--issued TS]
                                      sign a DAM with a fresh key (for tests)
Exit 0 when valid, 1 with one line on stderr otherwise.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)


def jcs(v):
    """RFC 8785 for the model: no floats, integers |n| < 2^53."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        if abs(v) >= 2 ** 53:
            raise ValueError("integer outside the model")
        return str(v)
    if isinstance(v, float):
        raise ValueError("float in a signed object")
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(jcs(x) for x in v) + "]"
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(x)
                              for k, x in items) + "}"
    raise ValueError("not a JSON value")


def signed_digest(kind, obj):
    return hashlib.sha256(("signet/v1/%s\n" % kind).encode() + jcs(obj).encode("utf-8")).digest()


def domain_id(pub):
    d = hashlib.sha256(b"signet/v1/domain-id\n" + pub).digest()
    return base64.b32encode(d).decode().rstrip("=").lower()


def b64_32(s):
    raw = base64.b64decode(s, validate=True)
    if len(raw) != 32 or base64.b64encode(raw).decode() != s:
        raise ValueError("not the padded base64 of 32 bytes")
    return raw


def check_sig(kind, obj, sig, pub):
    if sig.get("algorithm") != "ed25519" or sig.get("signed_bytes") != "sha256":
        raise ValueError("signature is not ed25519 over sha256")
    raw = base64.b64decode(sig["signature"], validate=True)
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(raw, signed_digest(kind, obj))
    except InvalidSignature:
        raise ValueError("%s signature does not verify" % kind)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cmd_dam(path):
    f = load(path)
    dam, sig = f["dam"], f["dam_signature"]
    pub = b64_32(dam["root_public_key"])
    check_sig("dam", dam, sig, pub)
    if domain_id(pub) != dam["domain_id"]:
        raise ValueError("domain_id does not derive from root_public_key")
    if len(dam["domain_id"]) != 52:
        raise ValueError("DomainID is not 52 characters")
    print(dam["domain_id"])


def cmd_policy(path):
    p = load(path)
    p.pop("policy_hash", None)
    print(hashlib.sha256(jcs(p).encode("utf-8")).hexdigest())


def cmd_log(ddir):
    meta = load(ddir + "/domain.json")
    pub = b64_32(meta["root_public_key"])
    if domain_id(pub) != meta["domain_id"]:
        raise ValueError("domain.json: domain_id does not derive from the key")
    prev = "0" * 64
    with open(ddir + "/log/audit.log", "rb") as f:
        lines = f.read().split(b"\n")
    if lines[-1] != b"":
        raise ValueError("log does not end with a newline")
    for i, line in enumerate(lines[:-1]):
        e = json.loads(line)
        if jcs(e).encode("utf-8") != line:
            raise ValueError("line %d is not canonical" % (i + 1))
        r = e["record"]
        if r["seq"] != i or r["prev"] != prev or r["domain_id"] != meta["domain_id"]:
            raise ValueError("line %d breaks the chain" % (i + 1))
        check_sig("receipt", r, e["receipt"], pub)
        prev = hashlib.sha256(line).hexdigest()
    head = load(ddir + "/log/head.json")
    check_sig("log-head", head["head"], head["signature"], pub)
    if head["head"]["hash"] != prev or head["head"]["seq"] != len(lines) - 2:
        raise ValueError("head does not name the last record")
    print("%d records" % (len(lines) - 1))


def cmd_claim(path, pub_b64):
    f = load(path)
    pub = b64_32(pub_b64)
    check_sig("env-claim", f["claim"], f["signature"], pub)
    snap = base64.b32encode(signed_digest("env-claim", f["claim"])).decode().lower()[:16]
    if not path.endswith("/" + snap + ".claim"):
        raise ValueError("file name is not the snapshot-id %s" % snap)
    print(snap)


def cmd_bundle(src):
    import yaml
    doc = yaml.safe_load(sys.stdin if src == "-" else open(src, encoding="utf-8"))
    b = doc["asl_sops_bundle"]
    c = b["contents"]
    a = c["authority"]
    dom, dam = a["domain"], a["dam"]
    for k in ("root_public_key", "root_private_key"):
        if dom[k]["type"] != "ed25519" or dom[k]["encoding"] != "base64":
            raise ValueError("%s is not an ed25519 key in base64" % k)
    pub = b64_32(dom["root_public_key"]["value"])
    priv = Ed25519PrivateKey.from_private_bytes(b64_32(dom["root_private_key"]["value"]))
    if priv.public_key().public_bytes(serialization.Encoding.Raw,
                                      serialization.PublicFormat.Raw) != pub:
        raise ValueError("root_private_key is not root_public_key's")
    check_sig("dam", dam, a["dam_signature"], b64_32(dam["root_public_key"]))
    did = domain_id(pub)
    for where, v in (("header", b["domain_id"]), ("authority.domain", dom["domain_id"]),
                     ("dam", dam["domain_id"])):
        if v != did:
            raise ValueError("%s domain_id %s is not the key's %s" % (where, v, did))
    pol = dict(c["policy"])
    carried = pol.pop("policy_hash")
    if hashlib.sha256(jcs(pol).encode("utf-8")).hexdigest() != carried:
        raise ValueError("policy_hash is not the policy's hash")
    print(did)


def cmd_make_dam(out, args):
    opts = dict(zip(args[::2], args[1::2]))
    key = Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    dam = {
        "version": "0.1",
        "domain_id": opts.get("--domain-id", domain_id(pub)),
        "root_public_key": base64.b64encode(pub).decode(),
        "issued_at": opts.get("--issued", "2020-01-01T00:00:00Z"),
        "expires_at": opts.get("--expires"),
        "roles": ["domain_root"],
        "metadata": {"human_name": "python-made", "dns_claim": None},
    }
    sig = key.sign(signed_digest("dam", dam))
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"dam": dam, "dam_signature": {
            "algorithm": "ed25519", "signed_bytes": "sha256",
            "signature": base64.b64encode(sig).decode()}}, f, indent=2)


def main(argv):
    try:
        if argv[1] == "dam":
            cmd_dam(argv[2])
        elif argv[1] == "policy":
            cmd_policy(argv[2])
        elif argv[1] == "log":
            cmd_log(argv[2])
        elif argv[1] == "claim":
            cmd_claim(argv[2], argv[3])
        elif argv[1] == "bundle":
            cmd_bundle(argv[2])
        elif argv[1] == "make-dam":
            cmd_make_dam(argv[2], argv[3:])
        else:
            raise ValueError("unknown command")
    except (ValueError, KeyError, TypeError, IndexError, OSError) as e:
        print("check_design: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
