#!/usr/bin/env python3
"""oci_fake_registry.py LAYOUT PORTFILE LOG - a registry that breaks one
rule per repository name, for oci-registry.sh.

It serves the only image of the OCI layout LAYOUT (GET of
/v2/<repo>/manifests/<ref> and /v2/<repo>/blobs/sha256:<hex>) on an
ephemeral port of 127.0.0.1, written to PORTFILE once listening; each
request's method, path, Range and status go to LOG. By repository:

  good        the image as it is
  baddigest   the manifest with one more byte (its digest is not the
              one asked for)
  hdrdigest   the manifest with a Docker-Content-Digest that is not its
  short       a manifest whose first layer's size is one more than the
              blob served
  long        a manifest whose first layer's size is one less
  badbytes    the first layer with one byte changed (same size)
  cut         the first layer cut off half-way (the connection closed
              after half of its Content-Length) unless a Range is asked
              for, which is answered with 206
  cut200      cut off the same way, but a Range is answered with the
              whole blob (200), as a registry that does not do ranges

and for pushes (HEAD, POST, PUT), keeping what is sent in memory:

  relpush     has no blob; an upload's Location is relative (a path and
              a query); a PUT of a blob is 201 when its ?digest= is the
              SHA-256 of its body (else 400 DIGEST_INVALID), a manifest's
              is 201 with its Docker-Content-Digest
  liarpush    the same, but the manifest's Docker-Content-Digest is not
              the SHA-256 of what was sent
"""
import hashlib
import http.server
import json
import os
import sys
import urllib.parse

layout, portfile, logfile = sys.argv[1:4]
with open(os.path.join(layout, "index.json")) as f:
    mdesc = json.load(f)["manifests"][0]


def blob(hexd):
    with open(os.path.join(layout, "blobs", "sha256", hexd), "rb") as f:
        return f.read()


manifest = blob(mdesc["digest"][7:])
layer_hex = json.loads(manifest)["layers"][0]["digest"][7:]


def resized(delta):
    m = json.loads(manifest)
    m["layers"][0]["size"] += delta
    return json.dumps(m, separators=(",", ":")).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, code):
        with open(logfile, "a") as f:
            f.write("%s %s range=%s %d\n" % (self.command, self.path,
                                             self.headers.get("Range", "-"), code))

    def reply(self, code, body, ctype="application/octet-stream", headers=()):
        self.note(code)
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        parts = self.path.split("/")
        if len(parts) != 5 or parts[1] != "v2":
            return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}',
                              "application/json")
        repo, kind, ref = parts[2], parts[3], parts[4]
        if kind == "manifests":
            body, headers = manifest, []
            if repo == "baddigest":
                body = manifest + b"\n"
            elif repo == "hdrdigest":
                headers = [("Docker-Content-Digest", "sha256:" + "0" * 64)]
            elif repo == "short":
                body = resized(1)
            elif repo == "long":
                body = resized(-1)
            return self.reply(200, body, mdesc["mediaType"], headers)
        hexd = ref[7:]
        data = blob(hexd)
        if hexd != layer_hex:
            return self.reply(200, data)
        if repo == "badbytes":
            data = bytes([data[0] ^ 1]) + data[1:]
        if repo in ("cut", "cut200"):
            rng = self.headers.get("Range")
            if rng and repo == "cut200":
                return self.reply(200, data)
            if rng:
                start = int(rng[len("bytes="):].rstrip("-"))
                return self.reply(206, data[start:], headers=[
                    ("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
            self.note(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        return self.reply(200, data)

    def do_HEAD(self):
        parts = self.path.split("/")
        if len(parts) == 5 and parts[2] in ("relpush", "liarpush") and parts[3] == "blobs":
            return self.reply(404 if parts[4] not in pushed else 200, b"")
        return self.do_GET()

    def do_POST(self):
        parts = self.path.split("/")
        if len(parts) == 6 and parts[3:5] == ["blobs", "uploads"]:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            return self.reply(202, b"", headers=[
                ("Location", "/v2/%s/blobs/uploads/u1?_state=abc" % parts[2])])
        return self.reply(404, b"")

    def do_PUT(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if len(parts) == 6 and parts[3:5] == ["blobs", "uploads"]:
            q = urllib.parse.parse_qs(url.query)
            if q.get("_state") != ["abc"] or q.get("digest") != [digest]:
                return self.reply(400, b'{"errors":[{"code":"DIGEST_INVALID","message":"x"}]}',
                                  "application/json")
            pushed[digest] = body
            return self.reply(201, b"", headers=[("Docker-Content-Digest", digest)])
        if len(parts) == 5 and parts[3] == "manifests":
            pushed["manifest:" + parts[4]] = body
            if parts[2] == "liarpush":
                digest = "sha256:" + "1" * 64
            return self.reply(201, b"", headers=[("Docker-Content-Digest", digest)])
        return self.reply(404, b"")


pushed = {}


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
