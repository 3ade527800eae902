"""The worker protocol's calls to a Zoetrope gateway (`/v1/worker/…`, a worker token)."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import requests

log = logging.getLogger("zoetrope_ltx")

PROTOCOL_VERSION = 2
"""The worker protocol version this worker speaks (the lease's and the assignment's `protocol_version`)."""


class Transient(Exception):
    """The gateway could not be reached or answered 5xx: the job goes back to the queue for a later
    try instead of failing."""


class Refused(Exception):
    """The gateway answered with an error status."""

    def __init__(self, status: int, message: str):
        super().__init__(f"the gateway answered {status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Upload:
    """Where the video goes: a plain PUT of the MP4's bytes, no token."""

    url: str
    method: str
    key: str


@dataclass(frozen=True)
class Voice:
    """A resolved voice of the request's `voice_ids` (snake_case keys on the wire)."""

    id: str
    name: str
    pitch_hz: float
    syllables_per_second: float
    espeak_variant: str
    espeak_pitch: int
    words_per_minute: int

    @staticmethod
    def parse(body: dict) -> "Voice":
        return Voice(id=str(body.get("id", "")), name=str(body["name"]), pitch_hz=float(body["pitch_hz"]),
                     syllables_per_second=float(body["syllables_per_second"]),
                     espeak_variant=str(body["espeak_variant"]), espeak_pitch=int(body["espeak_pitch"]),
                     words_per_minute=int(body["words_per_minute"]))


@dataclass(frozen=True)
class Assignment:
    """One leased job: the validated request in the public parameter names (read it with
    `request.VideoRequest.parse(request, inputs)`), the field paths of its inputs that are the
    gateway's own signed links, its resolved voices and where the video goes."""

    protocol_version: int
    id: str
    model: str
    attempt: int
    lease_seconds: float
    lease_expires_at: float
    request: dict
    inputs: dict[str, str]
    voices: tuple[Voice, ...]
    upload: Upload | None

    @staticmethod
    def parse(body: dict) -> "Assignment":
        upload = body.get("upload")
        return Assignment(
            protocol_version=int(body.get("protocol_version", 1)), id=body["id"], model=body["model"],
            attempt=int(body["attempt"]), lease_seconds=float(body["lease_seconds"]),
            lease_expires_at=float(body["lease_expires_at"]), request=body["request"],
            inputs=dict(body.get("inputs", {})), voices=tuple(Voice.parse(v) for v in body.get("voices", [])),
            upload=Upload(upload["url"], upload.get("method", "PUT"), upload["key"]) if upload else None)


class GatewayClient:
    """Lease, heartbeat, upload, complete, fail and release, authenticated by a worker token."""

    def __init__(self, gateway: str, token: str, worker_id: str):
        self.gateway = gateway.rstrip("/")
        self.worker_id = worker_id
        self._token = token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def clone(self) -> "GatewayClient":
        """The same worker on its own connections (a requests session is not shared across threads)."""
        return GatewayClient(self.gateway, self._token, self.worker_id)

    def lease(self, models: list[str], wait_seconds: float = 25) -> Assignment | None:
        """Waits up to `wait_seconds` for a job; None when none came."""
        response = self._post(
            "/v1/worker/lease",
            {"protocol_version": PROTOCOL_VERSION, "worker_id": self.worker_id, "models": models,
             "wait_seconds": wait_seconds},
            timeout=wait_seconds + 30)
        if response.status_code == 204:
            return None
        self._raise_unless_ok(response)
        return Assignment.parse(response.json())

    def heartbeat(self, job_id: str, progress: float) -> bool:
        """False when the lease is lost (cancelled, or expired and taken by another worker)."""
        progress = min(max(progress, 0.0), 1.0)
        return self._lease_call(f"/v1/worker/jobs/{job_id}/heartbeat", {"progress": progress})

    def complete(self, job_id: str, output_key: str, stages: dict[str, float] | None = None) -> bool:
        """Completes the job with its upload; `stages` (seconds by stage) become the result's
        `metrics.stages`. A gateway that predates stage timings refuses the field: the completion
        is then sent again without it (the video matters, the timings do not)."""
        body: dict = {"output_key": output_key}
        path = f"/v1/worker/jobs/{job_id}/complete"
        if stages:
            timed = {**body, "stages": {name.replace(" ", "_"): round(max(seconds, 0.0), 3)
                                        for name, seconds in stages.items()}}
            try:
                return self._lease_call(path, timed)
            except Refused as refused:
                if refused.status != 400 or "stages" not in refused.message:
                    raise
        return self._lease_call(path, body)

    def fail(self, job_id: str, reason: str) -> bool:
        return self._lease_call(f"/v1/worker/jobs/{job_id}/fail", {"error": reason})

    def release(self, job_id: str) -> bool:
        """Hands the job back to the queue (this worker is stopping)."""
        return self._lease_call(f"/v1/worker/jobs/{job_id}/release", {})

    def upload(self, path: str, upload: Upload) -> None:
        with open(path, "rb") as handle:
            response = self.session.request(
                upload.method, upload.url, data=handle, timeout=600,
                headers={"Content-Type": "video/mp4", "Content-Length": str(os.path.getsize(path)),
                         "Authorization": None})
        if not 200 <= response.status_code < 300:
            raise Refused(response.status_code, "upload refused: " + response.text[:300])

    def download(self, url: str, path: str, max_bytes: int = 52_428_800) -> None:
        """Fetches a signed link into `path`, through a temporary name in the same directory."""
        download(self.session, url, path, max_bytes, headers={"Authorization": None})

    def _lease_call(self, path: str, body: dict) -> bool:
        response = self._post(path, {"worker_id": self.worker_id, **body}, timeout=60)
        if response.status_code == 409:
            return False
        self._raise_unless_ok(response)
        return True

    def _post(self, path: str, body: dict, timeout: float) -> requests.Response:
        return self.session.post(self.gateway + path, json=body, timeout=timeout)

    @staticmethod
    def _raise_unless_ok(response: requests.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        try:
            message = response.json().get("error", response.text)
        except ValueError:
            message = response.text[:300]
        raise Refused(response.status_code, message)


class TooLarge(ValueError):
    """A body over the size limit."""


def download(session: requests.Session, url: str, path: str, max_bytes: int, headers: dict | None = None) -> None:
    """Streams `url` into `path` (through a temporary name), refusing bodies over `max_bytes`."""
    with session.get(url, stream=True, timeout=(10, 120), headers=headers or {}) as response:
        if response.status_code != 200:
            raise Refused(response.status_code, f"fetching {url.split('?')[0]}")
        save(response.iter_content(1 << 16), path, max_bytes)


def save(chunks: Iterable[bytes], path: str, max_bytes: int) -> None:
    """Writes `chunks` to `path` through a temporary name in the same directory; raises `TooLarge`
    past `max_bytes` (nothing is left behind on any failure)."""
    directory = os.path.dirname(os.path.abspath(path))
    handle = tempfile.NamedTemporaryFile(dir=directory, prefix=".partial-", delete=False)
    try:
        size = 0
        with handle:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"larger than {max_bytes // (1 << 20)} MB")
                handle.write(chunk)
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


def with_retries(call: Callable[[], object], what: str, attempts: int = 4, delay: float = 1.0) -> object:
    """Runs a call to the gateway, retrying transport errors and 5xx answers with backoff (1, 2, 4 s);
    raises `Transient` when they persist. Other refusals (4xx) are raised as they are."""
    for attempt in range(attempts):
        try:
            return call()
        except (requests.RequestException, Refused) as error:
            if isinstance(error, Refused) and error.status < 500:
                raise
            if attempt == attempts - 1:
                raise Transient(f"the {what} did not reach the gateway: {error}") from error
            log.warning("%s failed (%s); retrying", what, error)
            time.sleep(delay * 2 ** attempt)
