#!/usr/bin/env python3
"""A SigV4-checking front for moto_server, for Zoetrope's S3 blob store tests.

moto_server does not check signatures (nor the expiry of presigned links) unless IAM is set up,
so this proxy checks every request the way S3 does, with botocore's independent SigV4 code,
and forwards the good ones to moto. It answers S3-style XML errors:
  403 SignatureDoesNotMatch, 403 AccessDenied (no signature / "Request has expired"),
  403 InvalidAccessKeyId, 400 XAmzContentSHA256Mismatch.
It also acts as a plain-HTTP forward proxy (absolute-form request targets), so a client can use
virtual-host addresses such as http://bucket.localhost:PORT/key without DNS for *.localhost.

usage: s3-verify-proxy.py LISTEN_PORT UPSTREAM_PORT   (credentials: test / test)
"""
import calendar
import hashlib
import http.client
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SECRETS = {"test": "test"}
UPSTREAM = ("127.0.0.1", int(sys.argv[2]))
DEBUG = bool(os.environ.get("S3_PROXY_DEBUG"))
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "proxy-authorization"}


def pairs(query):
    out = []
    for item in query.split("&") if query else []:
        name, _, value = item.partition("=")
        out.append((unquote(name), unquote(value)))
    return out


def canonical_path(path):
    return quote(unquote(path), safe="/-_.~") or "/"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def error(self, status, code, message):
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", "0" if self.command == "HEAD" else str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        target = urlsplit(self.path)
        host = self.headers.get("Host") or target.netloc
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = pairs(target.query)
        names = {name for name, _ in query}
        auth = self.headers.get("Authorization")
        now = time.time()
        url = f"http://{host}{canonical_path(target.path)}"

        if "X-Amz-Signature" in names:
            q = dict(query)
            access_key, day, region, service, _ = q.get("X-Amz-Credential", "////").split("/")
            if access_key not in SECRETS:
                return self.error(403, "InvalidAccessKeyId", "unknown access key")
            stamp = q.get("X-Amz-Date", "")
            expires = int(q.get("X-Amz-Expires", "0"))
            signed_at = calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
            if now > signed_at + expires:
                return self.error(403, "AccessDenied", "Request has expired")
            request = AWSRequest(method=self.command, url=url, headers={}, params=[p for p in query if p[0] != "X-Amz-Signature"])
            request.context["timestamp"] = stamp
            signer = S3SigV4QueryAuth(Credentials(access_key, SECRETS[access_key]), service, region, expires=expires)
            expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
            if q.get("X-Amz-SignedHeaders") != "host" or q["X-Amz-Signature"] != expected:
                return self.error(403, "SignatureDoesNotMatch", "presigned signature does not match")
        elif auth:
            fields = dict(
                part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(",")
            )
            access_key, day, region, service, _ = fields["Credential"].split("/")
            if access_key not in SECRETS:
                return self.error(403, "InvalidAccessKeyId", "unknown access key")
            signed = fields["SignedHeaders"].split(";")
            if "host" not in signed or "x-amz-date" not in signed or "x-amz-content-sha256" not in signed:
                return self.error(403, "AccessDenied", "host, x-amz-date and x-amz-content-sha256 must be signed")
            headers = {name: host if name == "host" else self.headers.get(name, "") for name in signed}
            stamp = self.headers["x-amz-date"]
            if abs(now - calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))) > 900:
                return self.error(403, "RequestTimeTooSkewed", "request time too skewed")
            claimed = self.headers["x-amz-content-sha256"]
            if claimed != "UNSIGNED-PAYLOAD" and claimed != hashlib.sha256(body).hexdigest():
                return self.error(400, "XAmzContentSHA256Mismatch", "payload hash mismatch")
            request = AWSRequest(method=self.command, url=url, headers=headers, params=query)
            request.context["timestamp"] = stamp
            signer = S3SigV4Auth(Credentials(access_key, SECRETS[access_key]), service, region)
            expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
            if fields["Signature"] != expected:
                return self.error(403, "SignatureDoesNotMatch", "header signature does not match")
        else:
            return self.error(403, "AccessDenied", "anonymous requests are refused")

        if DEBUG:
            print(self.command, self.path, dict(self.headers), file=sys.stderr, flush=True)
        forward = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() not in ("host", "content-length")}
        forward["Host"] = host
        forward["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(*UPSTREAM, timeout=120)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers=forward)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        for k, v in response.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", response.getheader("Content-Length") if self.command == "HEAD" and response.getheader("Content-Length") else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    def do_CONNECT(self):
        self.send_response(200, "Connection established")
        self.end_headers()

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
