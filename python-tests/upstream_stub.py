"""A stub of a hosted Segmind-compatible API (the v2 async API of Segmind's product pages and its
official SDK), for the upstream tests: a real HTTP server on a loopback port.

- `POST /v2/{slug}` with `x-api-key` answers `{request_id, status: "QUEUED", poll_url, status_url,
  response_url}`; a wrong key is 401, a balance short of the price 406 (the charge is taken when
  the request is made); an `Idempotency-Key` seen before answers the same request again, made and
  charged once.
- `GET /v2/requests/{id}/status` answers `{status, request_id, metrics}` (QUEUED, then
  PROCESSING, then COMPLETED); a FAILED request answers 422 with `error`; an unknown or expired
  request 404.
- `GET /v2/requests/{id}` answers the result: `output` (a link to the MP4 on this stub), and
  `metrics` with the inference time, the cost and the account's balance left.
- `GET /files/{name}` serves the outputs (until `delete_outputs`), and `/slow-image` an image
  that takes `slow_seconds` to arrive (for holding a gateway's render slot).

A request's prompt chooses how it goes: `[fail]` (FAILED, 422 with `error`), `[expire]` (404 once
it has run a moment), `[ratelimit]` (its first status poll is 429 with `Retry-After` and
`x-rate-limit-reset-at-utc`), `[blip]` (its first submit and first two polls are 5xx), `[slow]`
(processing for `slow_seconds`); anything else is QUEUED → PROCESSING → COMPLETED within a second.
"""

import datetime
import http.server
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import uuid

PRICE = 0.5
# The flags that make a gateway poll the stub often and give up on an absent upstream soon.
FAST = ["--upstream-poll-interval", "0.1s", "--upstream-patience", "2s"]


def make_mp4(path, size="320x240", seconds=1):
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:d={seconds}:r=24", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", path], check=True)


class UpstreamStub:
    def __init__(self, key="stub-key-0123456789", credits=100.0):
        self.key = key
        self.credits = credits
        self.slow_seconds = 6.0
        self.directory = tempfile.mkdtemp(prefix="zoetrope-upstream-stub-")
        self.mp4 = os.path.join(self.directory, "output.mp4")
        make_mp4(self.mp4)
        self.lock = threading.Lock()
        self.requests = {}        # id -> {"body", "created", "script", "polls", ...}
        self.idempotency = {}     # key -> id
        self.posts = []           # every POST /v2/{slug}: {"slug", "body", "headers", "at"}
        self.polls = []           # every status poll: {"id", "at", "answered"}
        self.deleted = False
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                stub._post(self)

            def do_GET(self):
                stub._get(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ what the tests read

    def submits_for(self, prompt_part):
        with self.lock:
            return [p for p in self.posts if prompt_part in (p["body"] or {}).get("prompt", "")]

    def made_for(self, prompt_part):
        with self.lock:
            return [r for r in self.requests.values() if prompt_part in r["body"].get("prompt", "")]

    def polls_of(self, request_id):
        with self.lock:
            return [p for p in self.polls if p["id"] == request_id]

    def delete_outputs(self):
        self.deleted = True

    # ------------------------------------------------------------------ the API

    def _answer(self, handler, status, body=None, headers=None, raw=None, content_type="application/json"):
        data = raw if raw is not None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _post(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        match = re.fullmatch(r"/v2/([A-Za-z0-9._-]+)", handler.path)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        with self.lock:
            self.posts.append({"slug": match and match.group(1), "body": body, "headers": dict(handler.headers),
                               "at": time.time()})
            blip_submit = isinstance(body, dict) and "[blip]" in body.get("prompt", "") and \
                sum(1 for p in self.posts if p["body"] == body) == 1
        if not match:
            return self._answer(handler, 404, {"error": f"endpoint POST {handler.path} not found"})
        if handler.headers.get("x-api-key") != self.key:
            return self._answer(handler, 401, {"error": "invalid API key"})
        if not isinstance(body, dict):
            return self._answer(handler, 400, {"error": "request body must be a JSON object"})
        if blip_submit:
            return self._answer(handler, 503, {"error": "upstream busy"})
        with self.lock:
            key = handler.headers.get("Idempotency-Key")
            if key and key in self.idempotency:
                request_id = self.idempotency[key]
            else:
                if self.credits < PRICE:
                    return self._answer(
                        handler, 406, {"error": f"insufficient credits on account acct-42: balance {self.credits}"})
                self.credits -= PRICE
                request_id = str(uuid.uuid4())
                prompt = body.get("prompt", "")
                script = next((s for s in ("fail", "expire", "ratelimit", "blip", "slow") if f"[{s}]" in prompt), "")
                self.requests[request_id] = {"id": request_id, "body": body, "created": time.time(),
                                             "script": script, "polls": 0, "slug": match.group(1)}
                if key:
                    self.idempotency[key] = request_id
        base = self.base
        self._answer(handler, 200, {
            "request_id": request_id, "status": "QUEUED", "poll_url": f"{base}/v2/requests/{request_id}",
            "status_url": f"{base}/v2/requests/{request_id}/status", "response_url": f"{base}/v2/requests/{request_id}"})

    def _state(self, request):
        """QUEUED, PROCESSING, COMPLETED, FAILED or None (expired) for a request now."""
        age = time.time() - request["created"]
        script = request["script"]
        if script == "expire":
            return None if age > 0.5 else "PROCESSING"
        if age < 0.3:
            return "QUEUED"
        end = self.slow_seconds if script == "slow" else 1.0
        if age < end:
            return "PROCESSING"
        return "FAILED" if script == "fail" else "COMPLETED"

    def _get(self, handler):
        path = handler.path.split("?")[0]
        if path.startswith("/files/"):
            if self.deleted or not path.endswith(".mp4"):
                return self._answer(handler, 404, {"error": "no such file"})
            return self._answer(handler, 200, raw=open(self.mp4, "rb").read(), content_type="video/mp4")
        if path == "/slow-image":
            time.sleep(self.slow_seconds)
            return self._answer(handler, 200, raw=b"these bytes are not an image", content_type="image/jpeg")
        match = re.fullmatch(r"/v2/requests/([^/]+)(/status)?", path)
        if not match:
            return self._answer(handler, 404, {"error": f"endpoint GET {path} not found"})
        if handler.headers.get("x-api-key") != self.key:
            return self._answer(handler, 401, {"error": "invalid API key"})
        request_id, is_status = match.group(1), bool(match.group(2))
        with self.lock:
            request = self.requests.get(request_id)
            if is_status:
                self.polls.append({"id": request_id, "at": time.time()})
            if request and is_status:
                request["polls"] += 1
            polls = request["polls"] if request else 0
        if request is None:
            return self._answer(handler, 404, {"error": f"request {request_id} not found"})
        if is_status and request["script"] == "ratelimit" and polls == 1:
            reset = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1.5)
            request["reset_at"] = reset.timestamp()
            return self._answer(handler, 429, {"error": "rate limit exceeded"}, headers={
                "Retry-After": "1", "x-rate-limit-reset-at-utc": reset.isoformat().replace("+00:00", "Z")})
        if is_status and request["script"] == "blip" and polls <= 2:
            return self._answer(handler, 500 if polls == 1 else 503, {"error": "internal error"})
        state = self._state(request)
        if state is None:
            return self._answer(handler, 404, {"error": f"request {request_id} not found"})
        body = {"status": state, "request_id": request_id, "metrics": {}}
        if state == "FAILED":
            body["error"] = "the model could not animate this image"
            return self._answer(handler, 422, body)
        if state == "COMPLETED":
            body["metrics"] = {"inference_time": 0.7}
            if not is_status:
                body["output"] = f"{self.base}/files/{request_id}.mp4"
                body["metrics"] = {"inference_time": 0.7, "cost": PRICE, "remaining_credits": self.credits}
        self._answer(handler, 200, body)
