"""The worker loop: lease a job, fetch its images, generate with heartbeats carrying progress, then
finish it (encode, upload, complete; with `--overlap-encode` on the finisher's thread while the next
job generates) — or fail it with a reason, or hand it back when stopping."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Protocol

import requests

from .encoder import Clip, EncodeError, encode
from .finisher import Finisher
from .inputs import InputFetcher, decode_image
from .plan import GenerationPlan, SizeProfile, Unsupported, plan as make_plan
from .protocol import PROTOCOL_VERSION, Assignment, GatewayClient, Refused, Transient, Upload, with_retries
from .request import RequestError, VideoRequest
from .speed import SpeedOptions

log = logging.getLogger("zoetrope_ltx")

POLL_SECONDS = 5
"""How long one lease request waits for a job: short, so a stopping worker is not kept waiting."""


class Interrupted(Exception):
    """Generation stopped between two denoising steps: the lease was lost or the worker is stopping."""


class StopRequest:
    """A stop asked for by a signal handler: a plain flag, set without taking a lock. The handler runs
    on the main thread, which may be inside a `threading.Event.wait` holding the very lock that
    `Event.set` takes, and would then wait on itself for ever."""

    def __init__(self) -> None:
        self.requested = False

    def set(self) -> None:
        self.requested = True

    def is_set(self) -> bool:
        return self.requested

    def wait(self, seconds: float) -> bool:
        """Sleeps up to `seconds`, ending within a tenth of a second of a stop; whether one was asked."""
        deadline = time.monotonic() + seconds
        while not self.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))
        return self.requested


class Generator(Protocol):
    """Renders a plan's shots; calls `step(done, total)` after every denoising step and raises
    `Interrupted` when `should_stop()` turns true. Its `recipe` and `grid` shape the plans."""

    recipe: str
    grid: int

    def render(self, plan: GenerationPlan, start_image, end_image, step: Callable[[int, int], None],
               should_stop: Callable[[], bool]) -> list[Clip]: ...


class Heartbeat:
    """Posts the job's progress every `interval` seconds on a thread; notes a lost lease."""

    def __init__(self, client: GatewayClient, job_id: str, interval: float):
        self.client, self.job_id, self.interval = client.clone(), job_id, interval
        self.progress = 0.0
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id[:8]}", daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=70)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.client.heartbeat(self.job_id, self.progress):
                    self.lost = True
                    log.warning("job %s: the lease is lost (cancelled, or expired and taken by another worker)",
                                self.job_id)
                    return
            except (requests.RequestException, Refused) as error:
                log.warning("job %s: heartbeat failed: %s", self.job_id, error)


@dataclass
class Generated:
    """A job whose frames are generated, with what its finishing (encode, upload, completion) needs."""

    assignment: Assignment
    upload: Upload
    started: float
    scratch: str
    heartbeat: Heartbeat
    plan: GenerationPlan
    clips: list[Clip]
    stages: dict[str, float]
    """Seconds by stage so far: fetch and the generator's; the finishing adds encode and upload."""


class Worker:
    """Runs one job at a time on one generator (one GPU); with `overlap_encode`, the previous job
    finishes on the finisher's thread meanwhile."""

    def __init__(self, client: GatewayClient, generator: Generator, models: list[str], work_dir: str,
                 fetcher: InputFetcher, sizes: SizeProfile = SizeProfile(), speed: SpeedOptions = SpeedOptions()):
        self.client, self.generator, self.models = client, generator, models
        self.work_dir, self.fetcher, self.sizes, self.speed = work_dir, fetcher, sizes, speed
        self.stopping = StopRequest()
        self.finisher = Finisher() if speed.overlap_encode else None
        # The finisher's thread calls the gateway on connections of its own.
        self._finishing_client = client.clone() if self.finisher is not None else client

    def stop(self) -> None:
        """For a signal handler: an idle worker stops after its current poll (at most `POLL_SECONDS`);
        a job generating stops after its current denoising step and is handed back; a job already
        generated is encoded, uploaded and completed before the worker stops."""
        self.stopping.set()

    def run(self) -> None:
        log.info("worker %s serving %s from %s", self.client.worker_id, ", ".join(self.models), self.client.gateway)
        backoff = 1.0
        try:
            while not self.stopping.is_set():
                try:
                    assignment = self.client.lease(self.models, wait_seconds=POLL_SECONDS)
                    backoff = 1.0
                except (Refused, requests.RequestException) as error:
                    if isinstance(error, Refused) and 400 <= error.status < 500 and error.status != 429:
                        raise  # a bad token or an unknown model: the operator must fix the command
                    log.warning("no lease (%s); retrying in %.0f s", error, backoff)
                    self.stopping.wait(backoff)
                    backoff = min(backoff * 2, 30)
                    continue
                if assignment is not None and self.stopping.is_set():
                    self._quietly(lambda: self.client.release(assignment.id))  # leased while stopping
                elif assignment is not None:
                    self.run_job(assignment)
        finally:
            if self.finisher is not None:
                self.finisher.wait()
        log.info("worker stopped")

    def run_job(self, assignment: Assignment) -> None:
        """Generates the job, then finishes it: here, or with `overlap_encode` on the finisher's
        thread once the job finishing before it is done."""
        generated = self.generate(assignment)
        if generated is not None and self.finisher is not None:
            self.finisher.submit(assignment.id, lambda: self.finish(generated))
        elif generated is not None:
            self.finish(generated)

    def generate(self, assignment: Assignment) -> Generated | None:
        """Fetches the job's images and generates its frames, heartbeating with progress; None when
        the job ended here (handed back, failed, or its lease lost), its scratch removed."""
        job = assignment.id
        log.info("job %s: leased (model %s, attempt %d)", job, assignment.model, assignment.attempt)
        started = time.monotonic()
        scratch = tempfile.mkdtemp(prefix=f"job-{job[:8]}-", dir=self.work_dir)
        heartbeat = Heartbeat(self.client, job, interval=min(max(assignment.lease_seconds / 4, 0.5), 10)).start()
        generated = None
        try:
            if assignment.upload is None:
                raise Unsupported("the gateway sent no upload link for a video job")
            plan, clips, stages = self.render(assignment, scratch, heartbeat)
            generated = Generated(assignment, assignment.upload, started, scratch, heartbeat, plan, clips, stages)
        except Exception as error:  # noqa: BLE001 — each error has its answer (see `_answer`)
            self._answer(self.client, job, heartbeat, error)
        finally:
            if generated is None:
                heartbeat.stop()
                shutil.rmtree(scratch, ignore_errors=True)
        return generated

    def finish(self, generated: Generated) -> None:
        """Encodes, uploads and completes a generated job (or fails it, or hands it back), heartbeating
        until the upload ends; removes its scratch."""
        client, job, plan, stages = self._finishing_client, generated.assignment.id, generated.plan, generated.stages
        heartbeat, upload = generated.heartbeat, generated.upload
        try:
            # Heartbeats run until the video is uploaded, and stop before any answer that ends the lease.
            try:
                output = os.path.join(generated.scratch, "output.mp4")
                encoding = time.monotonic()
                encode(generated.clips, output, plan.output_size, plan.frame_rate, plan.with_audio,
                       self.speed.x264_preset)
                stages["encode"] = time.monotonic() - encoding
                heartbeat.progress = 1.0
                uploading = time.monotonic()
                with_retries(lambda: client.upload(output, upload), "upload")
                stages["upload"] = time.monotonic() - uploading
            finally:
                heartbeat.stop()
            if with_retries(lambda: client.complete(job, upload.key, stages), "completion"):
                log.info("job %s: completed in %.1f s", job, time.monotonic() - generated.started)
            else:
                log.warning("job %s: the lease was lost before completion", job)
        except Exception as error:  # noqa: BLE001 — each error has its answer (see `_answer`)
            self._answer(client, job, heartbeat, error)
        finally:
            shutil.rmtree(generated.scratch, ignore_errors=True)

    def _answer(self, client: GatewayClient, job: str, heartbeat: Heartbeat, error: Exception) -> None:
        """Ends a job that raised `error`, its heartbeat stopped first: handed back (the worker is
        stopping, or the gateway was out of reach), let go (its lease is lost), or failed with a reason."""
        heartbeat.stop()
        if isinstance(error, Interrupted):
            if heartbeat.lost:
                log.warning("job %s: stopped, the lease is lost", job)
            else:
                self._quietly(lambda: client.release(job))
                log.info("job %s: handed back to the queue (the worker is stopping)", job)
        elif isinstance(error, Transient):
            log.warning("job %s: %s; handing it back to the queue", job, error)
            self._quietly(lambda: client.release(job))
        elif isinstance(error, (Unsupported, RequestError)):
            log.warning("job %s: failed: %s", job, error)
            self._quietly(lambda: client.fail(job, str(error)))
        else:
            log.error("job %s: failed:\n%s", job, "".join(traceback.format_exception(error)))
            self._quietly(lambda: client.fail(job, describe(error)))

    def render(self, assignment: Assignment, scratch: str,
               heartbeat: Heartbeat) -> tuple[GenerationPlan, list[Clip], dict[str, float]]:
        """The job's plan, its generated clips, and where its time went: seconds by stage (fetch, the
        generator's)."""
        if assignment.protocol_version != PROTOCOL_VERSION:
            raise RequestError(f"the assignment speaks worker protocol version {assignment.protocol_version}, "
                               f"this worker {PROTOCOL_VERSION}")
        request = VideoRequest.parse(assignment.request, assignment.inputs)
        plan = make_plan(request, self.sizes, self.generator.recipe, self.generator.grid,
                         getattr(self.generator, "two_stage", None))
        size = plan.generation_size
        fetching = time.monotonic()
        start = decode_image(
            self.fetcher.fetch(request.start_image, "start_image_url", os.path.join(scratch, "start")),
            "start_image_url", size)
        end = None
        if request.end_image is not None:
            end = decode_image(
                self.fetcher.fetch(request.end_image, "end_image_url", os.path.join(scratch, "end")),
                "end_image_url", size)
        heartbeat.progress = 0.02
        stages = {"fetch": time.monotonic() - fetching}

        def step(done: int, total: int) -> None:
            heartbeat.progress = 0.02 + 0.93 * done / max(total, 1)

        def should_stop() -> bool:
            return heartbeat.lost or self.stopping.is_set()

        clips = self.generator.render(plan, start, end, step, should_stop)
        if should_stop():
            raise Interrupted()
        stages.update(getattr(self.generator, "timings", {}))
        return plan, clips, stages

    @staticmethod
    def _quietly(call: Callable[[], object]) -> None:
        try:
            call()
        except (requests.RequestException, Refused) as error:
            log.warning("the gateway did not take the answer: %s (the lease will expire)", error)


def describe(error: Exception) -> str:
    """A FAILED reason a client can act on."""
    name = type(error).__name__
    if "OutOfMemory" in name or "out of memory" in str(error).lower():
        return "the GPU ran out of memory for this video; try a shorter duration or fewer shots"
    if isinstance(error, EncodeError):
        return f"encoding the video failed: {str(error)[:300]}"
    return f"generation failed: {name}: {str(error)[:300]}"
