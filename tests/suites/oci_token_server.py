#!/usr/bin/env python3
"""oci_token_server.py KEY CERT ISSUER SERVICE USER:PASSWORD PORTFILE LOG -
the token server of docker-registry's token auth (distribution's
docs/spec/auth/token.md), for oci-registry.sh.

GET /token?service=S&scope=repository:NAME:ACTIONS with Basic
credentials USER:PASSWORD answers {"token", "access_token"}: a JWT
(RS256, the signing certificate CERT in its x5c header, which the
registry's rootcertbundle holds) granting the actions asked for. Wrong or
no credentials: 401. It listens on an ephemeral port of 127.0.0.1,
written to PORTFILE; each request's scope and answer go to LOG.
"""
import base64
import http.server
import json
import os
import sys
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

keyfile, certfile, issuer, service, cred, portfile, logfile = sys.argv[1:8]
with open(keyfile, "rb") as f:
    key = serialization.load_pem_private_key(f.read(), None)
with open(certfile, "rb") as f:
    cert_der = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)
want_auth = "Basic " + base64.b64encode(cred.encode()).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(cert_der).decode()]}
    claims = {"iss": issuer, "sub": cred.split(":")[0], "aud": service, "exp": now + 600,
              "nbf": now - 60, "iat": now, "jti": "signet-test-%d" % now, "access": access}
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        scopes = q.get("scope", [])
        ok = url.path == "/token" and self.headers.get("Authorization") == want_auth and \
            q.get("service") == [service]
        with open(logfile, "a") as f:
            f.write("token scope=%s %s\n" % (",".join(scopes) or "-", "200" if ok else "401"))
        if not ok:
            return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "no"}]})
        access = []
        for s in scopes:
            kind, name, actions = s.split(":", 2)
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        t = token(access)
        self.reply(200, {"token": t, "access_token": t, "expires_in": 600})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
