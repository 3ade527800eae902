"""Fault injectors and bookkeeping for test_chaos.py: a fault-injecting proxy in front of the S3
server, webhook receivers (one that answers, one that hangs), a filler that keeps a file system
full, a recorder of every answer the gateway gives, and the summary lines the suite reports."""

import errno
import http.client
import json
import os
import re
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "content-length"}


# The summary lines of this session, shown again at the end of pytest's report (conftest.py).
LINES = []


def report(line):
    """Prints a summary line, keeps it for pytest's closing summary, and appends it to
    $ZOETROPE_CHAOS_REPORT when that is set."""
    print(line, flush=True)
    LINES.append(line)
    path = os.environ.get("ZOETROPE_CHAOS_REPORT")
    if path:
        with open(path, "a") as handle:
            handle.write(line + "\n")


def wait_for_peer_close(connection, release, limit=120.0):
    """Waits until the peer closes `connection` (or `release` is set, or `limit` passes); returns
    the seconds waited, None when the peer never closed."""
    started = time.monotonic()
    while not release.is_set() and time.monotonic() - started < limit:
        readable, _, _ = select.select([connection], [], [], 0.05)
        if readable:
            try:
                if connection.recv(1, socket.MSG_PEEK) == b"":
                    return time.monotonic() - started
            except OSError:
                return time.monotonic() - started
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The gateway may open many connections at once while a fault lasts.
    request_queue_size = 128


class FaultProxy:
    """An HTTP proxy between the gateway and the S3 server that injects faults into the bucket's
    traffic, decided per job (the request id in a video's key, `<id>-<attempt>.mp4`, so every
    attempt of a job meets the same bucket) when its first video request comes:

    - uploads (`PUT` of a `.mp4` key) follow `upload_schedule`: a list of (steps, count) pairs, the
      next `count` new jobs getting `steps` (count None: every job from then on);
    - the gateway's own reads of videos (`GET` of a `.mp4` key signed in its `Authorization`
      header, not a presigned link) take `read_steps` in turn, one per new job.

    `steps` is a tuple of what the job's n-th such request gets, the last repeating: an HTTP
    status (answered at once, S3-style XML), "pass" (forwarded) or "hang" (the request is read,
    nothing is ever answered; the proxy notes when the client gives up). Everything else passes."""

    def __init__(self, upstream):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.lock = threading.Lock()
        self.upload_schedule = [(("pass",), None)]
        self.read_steps = [("pass",)]
        self.reads_assigned = 0
        self.assigned = {}
        self.seen = {}
        self.log = []
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                proxy._handle(self)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def set_upload_schedule(self, schedule):
        with self.lock:
            self.upload_schedule = [list(entry) for entry in schedule]

    def set_read_steps(self, steps):
        with self.lock:
            self.read_steps = list(steps)
            self.reads_assigned = 0

    def _steps_for(self, kind, key):
        key = job_id_of(key) or key
        with self.lock:
            if (kind, key) not in self.assigned:
                if kind == "upload":
                    steps, count = self.upload_schedule[0]
                    if count is not None:
                        self.upload_schedule[0][1] = count - 1
                        if count - 1 <= 0 and len(self.upload_schedule) > 1:
                            self.upload_schedule.pop(0)
                else:
                    steps = self.read_steps[self.reads_assigned % len(self.read_steps)]
                    self.reads_assigned += 1
                self.assigned[(kind, key)] = steps
            steps = self.assigned[(kind, key)]
            n = self.seen.get((kind, key), 0)
            self.seen[(kind, key)] = n + 1
            return steps[min(n, len(steps) - 1)], n

    def _handle(self, handler):
        started = time.time()
        path = urlsplit(handler.path).path
        key = path.rsplit("/", 1)[-1]
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        kind = "other"
        if key.endswith(".mp4") and handler.command == "PUT":
            kind = "upload"
        elif key.endswith(".mp4") and handler.command == "GET" and handler.headers.get("Authorization"):
            kind = "read"
        step, n = self._steps_for(kind, key) if kind != "other" else ("pass", 0)
        entry = {"t": started, "kind": kind, "method": handler.command, "key": key, "n": n, "step": step}
        if step == "hang":
            entry["gave_up_after"] = wait_for_peer_close(handler.connection, self.release)
            entry["status"] = None
            handler.close_connection = True
        elif step == "pass":
            entry["status"] = self._forward(handler, body)
        else:
            codes = {500: "InternalError", 503: "SlowDown"}
            xml = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{codes.get(step, "InternalError")}</Code>'
                   f"<Message>chaos: injected {step}</Message></Error>").encode()
            handler.send_response(step)
            handler.send_header("Content-Type", "application/xml")
            handler.send_header("Content-Length", "0" if handler.command == "HEAD" else str(len(xml)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(xml)
            entry["status"] = step
        entry["end"] = time.time()
        with self.lock:
            self.log.append(entry)

    def _forward(self, handler, body):
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP}
        headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(*self.upstream, timeout=120)
        try:
            upstream.request(handler.command, handler.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        except OSError as error:
            handler.send_error(502, f"chaos proxy: upstream unreachable ({error})")
            return 502
        finally:
            upstream.close()
        handler.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP:
                handler.send_header(name, value)
        declared = response.getheader("Content-Length") if handler.command == "HEAD" else None
        handler.send_header("Content-Length", declared or str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)
        return response.status

    def entries(self, kind=None):
        with self.lock:
            return [dict(e) for e in self.log if kind is None or e["kind"] == kind]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Receiver:
    """A webhook receiver on loopback that notes every delivery (arrival time, path, headers,
    body) and answers 200, or, with `hang`, reads the delivery and never answers (noting when the
    sender gives up)."""

    def __init__(self, hang=False):
        self.hang = hang
        self.deliveries = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                arrived = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delivery = {"t": arrived, "path": self.path, "headers": dict(self.headers), "body": body}
                with receiver.lock:
                    receiver.deliveries.append(delivery)
                if receiver.hang:
                    delivery["gave_up_after"] = wait_for_peer_close(self.connection, receiver.release)
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "11")
                self.end_headers()
                self.wfile.write(b'{"ok":true}')

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self):
        with self.lock:
            return [dict(d) for d in self.deliveries]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class DiskFiller:
    """Keeps the file system holding `directory` full with one filler file, topping it up as
    space is freed, until `free()` deletes it."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "chaos-filler")
        self.active = threading.Event()
        self.full = threading.Event()
        self.thread = None

    def fill(self):
        self.active.set()
        self.thread = threading.Thread(target=self._keep_full, daemon=True)
        self.thread.start()
        if not self.full.wait(30):
            raise RuntimeError(f"could not fill the file system of {self.path}")

    def _keep_full(self):
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while self.active.is_set():
                for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
                    chunk = b"\0" * size
                    while self.active.is_set():
                        try:
                            os.write(descriptor, chunk)
                        except OSError as error:
                            if error.errno != errno.ENOSPC:
                                raise
                            break
                self.full.set()
                time.sleep(0.05)
        finally:
            os.close(descriptor)

    def free(self):
        self.active.clear()
        if self.thread:
            self.thread.join(10)
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass


class Answers:
    """Every answer the gateway gave during a test, with its time: `call` makes a request (an
    httpx one, bounded by `limit` seconds plus a grace so a hang shows as no answer rather than
    hanging the test) and records the status, the seconds it took, and the body when it is JSON."""

    def __init__(self):
        self.items = []
        self.lock = threading.Lock()
        self.client = httpx.Client(limits=httpx.Limits(max_keepalive_connections=8))

    def call(self, method, url, label, limit=30.0, **kwargs):
        started = time.monotonic()
        answer = {"label": label, "method": method, "url": url, "limit": limit, "status": None,
                  "json": None, "text": "", "headers": {}}
        response = None
        try:
            response = self.client.request(method, url, timeout=limit + 5, **kwargs)
            answer["status"] = response.status_code
            answer["headers"] = dict(response.headers)
            answer["text"] = response.text[:500]
            try:
                answer["json"] = response.json()
            except ValueError:
                pass
        except httpx.TimeoutException:
            answer["text"] = f"no answer within {limit + 5:.0f} s"
        except httpx.TransportError as error:
            answer["text"] = f"connection error: {error!r}"
        answer["seconds"] = time.monotonic() - started
        with self.lock:
            self.items.append(answer)
        return response

    def select(self, label=None):
        with self.lock:
            return [a for a in self.items if label is None or a["label"] == label]

    def problems(self, allowed_errors=(400, 404, 413, 415, 422, 429, 503, 507)):
        """What is wrong with the recorded answers: no answer, an answer slower than its limit,
        a 5xx other than 503/507 (or any status not in `allowed_errors`), an error that is not
        JSON `{"error": "..."}`, a 503 without `Retry-After`."""
        found = []
        for a in self.select():
            where = f"{a['label']}: {a['method']} {urlsplit(a['url']).path}"
            if a["status"] is None:
                found.append(f"{where}: {a['text']}")
                continue
            if a["seconds"] > a["limit"]:
                found.append(f"{where}: answered {a['status']} after {a['seconds']:.1f} s (limit {a['limit']:.0f} s)")
            # /readyz answers a health body; downloads may come from the bucket, not the gateway.
            if a["status"] < 400 or a["label"] in ("readyz", "readyz-after", "download"):
                continue
            if a["status"] not in allowed_errors:
                found.append(f"{where}: status {a['status']}: {a['text'][:200]}")
            body = a["json"]
            if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
                found.append(f"{where}: {a['status']} answer is not JSON {{\"error\": ...}}: {a['text'][:200]!r}")
            if a["status"] == 503 and "retry-after" not in {k.lower() for k in a["headers"]}:
                found.append(f"{where}: 503 without Retry-After")
        return found

    def tally(self, label=None):
        """'12×503 JSON, max 3.4 s' for the recorded answers (with `label`)."""
        items = self.select(label)
        if not items:
            return "none"
        counts = {}
        for a in items:
            name = "no answer" if a["status"] is None else f"{a['status']}{' JSON' if a['json'] is not None else ''}"
            counts[name] = counts.get(name, 0) + 1
        parts = ", ".join(f"{n}×{name}" for name, n in sorted(counts.items(), key=lambda x: -x[1]))
        return f"{parts}, max {max(a['seconds'] for a in items):.1f} s"


def job_id_of(key):
    """The request id in an output key `<prefix>/<id>-<attempt>.mp4`."""
    match = re.search(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)\.mp4$", key)
    return match.group(1) if match else None


def as_json(data):
    try:
        return json.loads(data)
    except ValueError:
        return None
