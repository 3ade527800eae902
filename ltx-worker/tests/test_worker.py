"""The worker loop against a fake gateway and a generator that paints frames: the real fetch,
encoder and job bookkeeping, with every gateway call recorded in order. Mostly `--overlap-encode`:
the next job generates while the previous one encodes, uploads and completes on the finisher's
thread; one job finishes at a time; stopping finishes a generated job and hands a generating one
back. Orderings are asserted, never durations."""

import logging
import os
import shutil
import signal
import threading
import time

import numpy as np
import pytest
import requests

from conftest import probe
from zoetrope_ltx.encoder import Clip
from zoetrope_ltx.finisher import Finisher
from zoetrope_ltx.inputs import InputFetcher
from zoetrope_ltx.plan import SizeProfile
from zoetrope_ltx.protocol import PROTOCOL_VERSION, Assignment, Upload
from zoetrope_ltx.speed import SpeedOptions
from zoetrope_ltx.worker import Interrupted, Worker

WAIT = 60
"""The longest a test waits for an event before it fails (a hung worker fails, it does not hang)."""


def assignment(job):
    """A 3 s 16:9 job, without audio, whose start image is a gateway link and whose prompt is its id."""
    image = f"https://gateway.invalid/inputs/{job}.png"
    request = {"prompt": job, "start_image_url": image, "aspect_ratio": "16:9", "cfg_scale": 0.5, "duration": 3,
               "negative_prompt": "", "generate_audio": False, "multi_prompt": [], "shot_type": "customize",
               "elements": [], "voice_ids": [], "seed": 1}
    return Assignment(protocol_version=PROTOCOL_VERSION, id=job, model="ltx-2-image2video", attempt=1,
                      lease_seconds=2, lease_expires_at=0, request=request, inputs={"start_image_url": image},
                      voices=(), upload=Upload(f"https://gateway.invalid/upload/{job}", "PUT", f"{job}.mp4"))


class Gateway:
    """A fake gateway client shared by every thread: hands out its jobs in turn and records each
    call as an event, in order. An upload can be held until the events satisfy a condition."""

    worker_id = "test-worker"
    gateway = "https://gateway.invalid"

    def __init__(self, jobs, image):
        self.jobs = [assignment(job) for job in jobs]
        self.image = image
        self.events = []
        self.changed = threading.Condition()
        self.holds = {}

    def clone(self):
        return self

    def record(self, *event):
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def wait_for(self, condition):
        """Waits until `condition(events)` holds; fails naming the events seen."""
        with self.changed:
            assert self.changed.wait_for(lambda: condition(self.events), WAIT), self.events

    def hold_upload(self, job, until):
        """The upload of `job` waits until `until(events)` holds."""
        self.holds[job] = until

    def lease(self, models, wait_seconds):
        with self.changed:
            job = self.jobs.pop(0) if self.jobs else None
        if job is None:
            time.sleep(0.01)
            return None
        self.record("lease", job.id)
        return job

    def download(self, url, path, max_bytes):
        shutil.copy(self.image, path)

    def heartbeat(self, job_id, progress):
        self.record("heartbeat", job_id, progress)
        return True

    def upload(self, path, upload):
        job = upload.key.removesuffix(".mp4")
        video = probe(path)["video"]
        self.record("upload", job, int(video["nb_read_frames"]))
        if job in self.holds:
            with self.changed:
                if not self.changed.wait_for(lambda: self.holds[job](self.events), WAIT):
                    self.events.append(("held too long", job))

    def complete(self, job_id, output_key, stages):
        self.record("complete", job_id, dict(stages))
        return True

    def fail(self, job_id, reason):
        self.record("fail", job_id, reason)
        return True

    def release(self, job_id):
        self.record("release", job_id)
        return True


class Painter:
    """A generator that paints each shot's frames one grey in four steps, recording when each job
    (named by its prompt) starts and ends. Its `timings` differ per job. A job in `until_stopped`
    keeps generating until the worker stops it; one in `too_small` gets frames smaller than the
    output, which the encoder refuses."""

    recipe, grid, two_stage = "distilled", 32, True

    def __init__(self, gateway, until_stopped=(), too_small=()):
        self.gateway, self.until_stopped, self.too_small = gateway, set(until_stopped), set(too_small)
        self.timings = {}
        self.jobs = 0

    def render(self, plan, start_image, end_image, step, should_stop):
        job = plan.shots[0].prompt
        self.jobs += 1
        self.gateway.record("generate", job)
        for done in range(1, 5):
            if job in self.until_stopped:
                self.gateway.record("step", job, done)
                deadline = time.monotonic() + WAIT
                while not should_stop() and time.monotonic() < deadline:
                    time.sleep(0.01)
            if should_stop():
                raise Interrupted()
            step(done, 4)
        self.timings = {"stage_1": float(self.jobs)}
        width, height = (16, 16) if job in self.too_small else plan.generation_size
        clips = [Clip(np.full((shot.num_frames, height, width, 3), 40 * self.jobs, dtype=np.uint8), None, 24000,
                      shot.keep_frames) for shot in plan.shots]
        self.gateway.record("generated", job)
        return clips


def calls(events):
    """The events without their details: (what, job)."""
    return [event[:2] for event in events]


def completed(job):
    """A condition on the events: `job` is completed."""
    return lambda events: ("complete", job) in calls(events)


@pytest.fixture
def work_dir(tmp_path):
    return str(tmp_path / "work")


def start(gateway, painter, work_dir, overlap=True):
    """A worker serving on a thread of its own; every call to `finish` counted, and the most at once
    kept; the finisher's waits and the worker's return recorded as events."""
    os.makedirs(work_dir, exist_ok=True)
    worker = Worker(gateway, painter, ["ltx-2-image2video"], work_dir, InputFetcher(gateway), SizeProfile(30),
                    SpeedOptions(overlap_encode=overlap))
    finish, lock = worker.finish, threading.Lock()
    worker.finishing, worker.most_finishing = 0, 0

    def counted(generated):
        with lock:
            worker.finishing += 1
            worker.most_finishing = max(worker.most_finishing, worker.finishing)
        try:
            finish(generated)
        finally:
            with lock:
                worker.finishing -= 1

    worker.finish = counted
    if worker.finisher is not None:
        wait = worker.finisher.wait

        def recorded_wait():
            gateway.record("finisher", "wait")
            wait()

        worker.finisher.wait = recorded_wait

    def run():
        worker.run()
        gateway.record("worker", "stopped")

    worker.thread = threading.Thread(target=run, name="worker")
    worker.thread.start()
    return worker


def stop(worker):
    worker.stop()
    worker.thread.join(WAIT)
    assert not worker.thread.is_alive()


class Unreachable(Gateway):
    """A gateway that cannot be reached: every lease fails, and the worker waits before asking again."""

    def lease(self, models, wait_seconds):
        self.record("lease", None)
        raise requests.ConnectionError("connection refused")


def test_a_signal_while_the_worker_waits_to_ask_again_stops_it(images, work_dir):
    # SIGTERM's handler runs on the main thread, here inside the wait after a failed lease; the stop
    # it asks for takes no lock that wait could hold, and ends the wait.
    os.makedirs(work_dir, exist_ok=True)
    gateway = Unreachable([], images["start"])
    worker = Worker(gateway, Painter(gateway), ["ltx-2-image2video"], work_dir, InputFetcher(gateway))
    previous = signal.signal(signal.SIGALRM, lambda *_: worker.stop())
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        worker.run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert worker.stopping.is_set() and gateway.events == [("lease", None)], gateway.events


def test_the_next_job_generates_while_the_previous_one_finishes(images, work_dir):
    gateway = Gateway(["alpha", "bravo", "charlie"], images["start"])
    # alpha's upload waits until bravo is generated, so bravo's hand-over waits for alpha's completion.
    gateway.hold_upload("alpha", lambda events: ("generated", "bravo") in events)
    worker = start(gateway, Painter(gateway), work_dir)
    gateway.wait_for(completed("charlie"))
    stop(worker)
    sent = calls(gateway.events)
    assert sent.index(("generated", "alpha")) < sent.index(("generate", "bravo")) < sent.index(("complete", "alpha"))
    # One job finishing at a time: bravo's upload and charlie's lease come after alpha's completion.
    assert sent.index(("complete", "alpha")) < sent.index(("upload", "bravo")) < sent.index(("complete", "bravo"))
    assert sent.index(("complete", "alpha")) < sent.index(("lease", "charlie"))
    assert worker.most_finishing == 1
    for job in ("alpha", "bravo", "charlie"):
        assert ("upload", job, 72) in gateway.events  # 3 s at 24 fps
    assert ("held too long", "alpha") not in gateway.events and os.listdir(work_dir) == []


def test_each_completion_carries_its_own_jobs_stage_timings(images, work_dir):
    gateway = Gateway(["alpha", "bravo"], images["start"])
    gateway.hold_upload("alpha", lambda events: ("generated", "bravo") in events)
    worker = start(gateway, Painter(gateway), work_dir)
    gateway.wait_for(completed("bravo"))
    stop(worker)
    stages = {event[1]: event[2] for event in gateway.events if event[0] == "complete"}
    # alpha completes after bravo's generation replaced the painter's timings: alpha's stay its own.
    assert (stages["alpha"]["stage_1"], stages["bravo"]["stage_1"]) == (1.0, 2.0)
    for job in ("alpha", "bravo"):
        assert set(stages[job]) == {"fetch", "stage_1", "encode", "upload"}
        assert all(seconds >= 0 for seconds in stages[job].values())


def test_the_finishing_job_keeps_heartbeating_at_full_progress(images, work_dir):
    gateway = Gateway(["alpha", "bravo"], images["start"])

    def beat_after_bravo(events):
        """alpha heartbeats at 1.0 after bravo's generation began."""
        later = events[events.index(("generate", "bravo")):] if ("generate", "bravo") in events else []
        return ("heartbeat", "alpha", 1.0) in later

    gateway.hold_upload("alpha", beat_after_bravo)
    worker = start(gateway, Painter(gateway), work_dir)
    gateway.wait_for(completed("bravo"))
    stop(worker)
    assert ("held too long", "alpha") not in gateway.events
    sent = calls(gateway.events)
    beats = [index for index, event in enumerate(gateway.events) if event == ("heartbeat", "alpha", 1.0)]
    assert sent.index(("generate", "bravo")) < beats[-1] < sent.index(("complete", "alpha"))


def test_stopping_finishes_the_generated_job_and_hands_back_the_generating_one(images, work_dir):
    gateway = Gateway(["alpha", "bravo"], images["start"])
    gateway.hold_upload("alpha", lambda events: ("test", "let alpha finish") in events)
    worker = start(gateway, Painter(gateway, until_stopped={"bravo"}), work_dir)
    gateway.wait_for(lambda events: ("step", "bravo", 1) in events and ("upload", "alpha", 72) in events)
    worker.stop()
    gateway.wait_for(lambda events: ("release", "bravo") in events
                     and ("finisher", "wait") in events[events.index(("release", "bravo")):])
    assert worker.thread.is_alive()  # waiting for alpha
    gateway.record("test", "let alpha finish")
    worker.thread.join(WAIT)
    assert not worker.thread.is_alive()
    sent = calls(gateway.events)
    # The worker waits for alpha's finishing before it stops.
    assert sent.index(("release", "bravo")) < sent.index(("complete", "alpha")) < sent.index(("worker", "stopped"))
    assert ("complete", "bravo") not in sent and ("fail", "alpha") not in sent
    assert os.listdir(work_dir) == []


def test_an_encode_failure_fails_that_job_and_the_next_one_completes(images, work_dir):
    gateway = Gateway(["alpha", "bravo"], images["start"])
    worker = start(gateway, Painter(gateway, too_small={"alpha"}), work_dir)
    gateway.wait_for(completed("bravo"))
    stop(worker)
    failed = [event for event in gateway.events if event[0] == "fail"]
    assert len(failed) == 1 and failed[0][1] == "alpha", gateway.events
    assert failed[0][2] == "encoding the video failed: the output 64×36 is larger than the frames 16×16"
    sent = calls(gateway.events)
    assert ("upload", "alpha") not in sent and ("complete", "alpha") not in sent
    assert os.listdir(work_dir) == []


def test_without_overlap_each_job_completes_before_the_next_is_leased(images, work_dir):
    gateway = Gateway(["alpha", "bravo"], images["start"])
    worker = start(gateway, Painter(gateway), work_dir, overlap=False)
    gateway.wait_for(completed("bravo"))
    stop(worker)
    sent = [call for call in calls(gateway.events) if call[0] != "heartbeat"]
    assert sent == [("lease", "alpha"), ("generate", "alpha"), ("generated", "alpha"), ("upload", "alpha"),
                    ("complete", "alpha"), ("lease", "bravo"), ("generate", "bravo"), ("generated", "bravo"),
                    ("upload", "bravo"), ("complete", "bravo"), ("worker", "stopped")]
    assert worker.finisher is None and os.listdir(work_dir) == []


def test_a_crash_while_finishing_is_logged_and_the_next_job_still_finishes(caplog):
    finisher, finished = Finisher(), []

    def crash():
        raise RuntimeError("the disk vanished")

    with caplog.at_level(logging.CRITICAL, logger="zoetrope_ltx"):
        finisher.submit("alpha", crash)
        finisher.submit("bravo", lambda: finished.append("bravo"))
        finisher.wait()
    assert finished == ["bravo"]
    assert "job alpha: finishing crashed" in caplog.text and "RuntimeError: the disk vanished" in caplog.text
