#!/usr/bin/env python3
"""authority_home.py HOME [OUTSIDE]: checks an authority home's files
against its audit logs, the way docs/design.md lays them out, and prints
what it holds as NAME=COUNT words.

Every file a record names as an output exists with that hash (the last
record naming it wins), and every file in the home is one a record names
(or a log, its head, a rotation statement); every domain has its whole
layout; nothing is left of a transaction (.txn/, temp files). A seal's
output is looked for in HOME/sops-bundles/, then in OUTSIDE; a bundle in
OUTSIDE that no record names is counted as an orphan, not an error.
Exits 1 with the reason on stderr when the home is inconsistent. (The
chain and receipts are `signet log verify`'s job; this checks the files.)

authority_home.py --serve answers, for each line "HOME<TAB>OUTSIDE" on
its input, one line "ok WORDS" or "bad REASON": a crash suite checks
hundreds of states, and Python's start would cost more than the check.
"""
import hashlib
import json
import os
import sys

LAYOUT = ["keys", "dam", "policies", "certs", "log", "snapshots", "store"]
HOME_DIRS = ["domains", "env-claims", "sops-bundles", "tools"]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Inconsistent(Exception):
    pass


def fail(msg):
    raise Inconsistent(msg)


def check(home, outside):
    counts = {"domains": 0, "current": 0, "superseded": 0, "records": 0, "orphans": 0}
    for op in ["genesis", "rotate-in", "rotate-out", "dam-issue", "env-claim", "seal"]:
        counts[op] = 0
    if not os.path.exists(home):
        return counts
    named = {}  # absolute path -> hash of its last record
    allowed = set()  # files that need no record of their own
    ddir = os.path.join(home, "domains")
    domains = sorted(os.listdir(ddir)) if os.path.isdir(ddir) else []
    for dom in domains:
        d = os.path.join(ddir, dom)
        for sub in LAYOUT:
            if not os.path.isdir(os.path.join(d, sub)):
                fail("%s: half-made domain: no %s/" % (d, sub))
        logf = os.path.join(d, "log", "audit.log")
        if not os.path.isfile(logf) or not os.path.isfile(os.path.join(d, "log", "head.json")):
            fail("%s: a domain without its log and head" % d)
        allowed.update([logf, os.path.join(d, "log", "head.json")])
        counts["domains"] += 1
        if os.path.exists(os.path.join(d, "superseded.json")):
            counts["superseded"] += 1
        else:
            counts["current"] += 1
        with open(logf, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        for line in lines:
            r = json.loads(line)["record"]
            counts["records"] += 1
            counts[r["op"]] = counts.get(r["op"], 0) + 1
            for rel in r["inputs"]:
                if rel == "dam/rotation.json":
                    p = os.path.join(d, rel)
                    if not os.path.isfile(p) or sha(p) != r["inputs"][rel]:
                        fail("%s: the rotation statement is not the one recorded" % p)
                    allowed.add(p)
            for name, h in r["outputs"].items():
                if r["op"] == "seal":
                    p = os.path.join(home, "sops-bundles", name)
                    if not os.path.exists(p) and outside:
                        p = os.path.join(outside, name)
                elif name.startswith("env-claims/"):
                    p = os.path.join(home, name)
                else:
                    p = os.path.join(d, name)
                named[p] = h
    for p, h in named.items():
        if not os.path.isfile(p):
            fail("%s: recorded in the log but missing" % p)
        if sha(p) != h:
            fail("%s: not the file the log recorded" % p)
    if domains:
        for sub in HOME_DIRS:
            if not os.path.isdir(os.path.join(home, sub)):
                fail("%s: no %s/ beside a domain" % (home, sub))
    for root, dirs, files in os.walk(home):
        for n in dirs + files:
            if n == ".txn" or n.startswith(".signet-tmp"):
                fail("%s: left by an interrupted command" % os.path.join(root, n))
        for n in files:
            p = os.path.join(root, n)
            if p not in named and p not in allowed:
                fail("%s: in the home but in no record" % p)
    if outside and os.path.isdir(outside):
        for n in os.listdir(outside):
            p = os.path.join(outside, n)
            if n.endswith(".sops.yaml") and p not in named:
                counts["orphans"] += 1
    return counts


def words(counts):
    return " ".join("%s=%d" % kv for kv in counts.items())


def main():
    if sys.argv[1] != "--serve":
        try:
            print(words(check(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)))
        except Inconsistent as e:
            print(e, file=sys.stderr)
            sys.exit(1)
        return
    for line in sys.stdin:
        home, _, outside = line.rstrip("\n").partition("\t")
        try:
            print("ok " + words(check(home, outside or None)), flush=True)
        except Inconsistent as e:
            print("bad %s" % e, flush=True)
        except Exception as e:  # a file vanishing, a log that is not JSON
            print("bad %s: %s" % (type(e).__name__, e), flush=True)


if __name__ == "__main__":
    main()
