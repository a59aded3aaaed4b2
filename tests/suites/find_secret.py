#!/usr/bin/env python3
"""find_secret.py FILES - exit 1 (naming the files) when any of the files,
one path per line in FILES, holds a secret key in plaintext.

The keys are 32-byte seeds given in hex, space-separated, in KEYHEX; each
is searched raw, in hex (both cases) and in base64 (padded, unpadded and
URL-safe). Files are read in chunks with an overlap, so large files in
/tmp cost no memory; unreadable files are skipped.
"""
import base64
import os
import sys

forms = []
for h in os.environ["KEYHEX"].split():
    seed = bytes.fromhex(h)
    forms += [seed, seed.hex().encode(), seed.hex().upper().encode(),
              base64.b64encode(seed), base64.b64encode(seed).rstrip(b"="),
              base64.urlsafe_b64encode(seed).rstrip(b"=")]
bad = []
for path in sys.argv[1].split("\n"):
    try:
        with open(path, "rb") as f:
            tail = b""
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                data = tail + chunk
                if any(x in data for x in forms):
                    bad.append(path)
                    break
                tail = data[-64:]
    except OSError:
        continue
if bad:
    print("root key in plaintext in: " + " ".join(bad))
    sys.exit(1)
