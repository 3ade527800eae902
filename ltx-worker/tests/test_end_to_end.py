"""The worker as operators run it: a real Zoetrope gateway (the Swift binary) and
`zoetrope-ltx-worker` processes on the tiny checkpoint, on this machine's CPU. Jobs are submitted
and polled over HTTP like any client does; the MP4s are fetched from the gateway and probed."""

import base64
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from conftest import probe

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ZOETROPE_BIN = os.environ.get("ZOETROPE_BIN", os.path.join(ROOT, ".build", "release", "zoetrope"))
MODEL = "ltx-2-image2video"
FINAL = ("COMPLETED", "FAILED", "CANCELLED")

pytestmark = pytest.mark.skipif(
    not os.path.exists(ZOETROPE_BIN), reason=f"needs the gateway binary ({ZOETROPE_BIN}; swift build -c release)")


class Cluster:
    """One gateway (SQLite, local files, no local render slots, 2 s leases, videos of any size) and the
    workers of a test."""

    def __init__(self, checkpoint, directory):
        self.directory = directory
        self.checkpoint = checkpoint
        self.processes = []
        self.key = self._key()
        self.token = self._key("--worker")
        self.gateway = self._spawn(
            "gateway", [ZOETROPE_BIN, "serve", "--port", "0", "--data-dir", self.directory, "--no-local-runner",
                        "--lease", "2s", "--expiry-interval", "1s", "--allow-private-inputs",
                        # The workers render at 1/30 of 1080p (--size-divisor 30): the gateway checks
                        # everything else about their uploads (MP4, H.264, frames, audio), not the size.
                        "--any-video-size",
                        # These tests poll a status 20 times a second with one key: no rate limit.
                        "--rate-limit", "1000000", "--rate-burst", "1000000"])
        self.base = self._wait_for(self.gateway, r"public URL (http://\S+)").group(1)

    def _key(self, *flags):
        out = subprocess.run([ZOETROPE_BIN, "keys", "create", "--name", "e2e", *flags, "--data-dir", self.directory],
                             check=True, capture_output=True, text=True).stdout
        return out.strip().splitlines()[-1]

    def _spawn(self, name, command):
        log = open(os.path.join(self.directory, f"{name}-{len(self.processes)}.log"), "w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env=dict(os.environ, HF_HUB_OFFLINE="1"))
        process.log_path = log.name
        self.processes.append(process)
        return process

    def _wait_for(self, process, pattern, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = open(process.log_path).read()
            if match := re.search(pattern, text):
                return match
            if process.poll() is not None:
                raise AssertionError(f"exited with {process.returncode}:\n{text}")
            time.sleep(0.1)
        raise AssertionError(f"no '{pattern}' within {timeout} s:\n{self.logs()}")

    def worker(self, *flags):
        process = self._spawn("worker", [
            sys.executable, "-m", "zoetrope_ltx", "--gateway", self.base, "--token", self.token,
            "--model-dir", self.checkpoint, "--size-divisor", "30", "--seed", "0", "--allow-private-inputs", *flags])
        self._wait_for(process, r"worker \S+ serving")
        return process

    def submit(self, model=MODEL, **fields):
        answer = requests.post(f"{self.base}/v2/{model}", headers={"x-api-key": self.key}, json=fields, timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()["request_id"]

    def status(self, request_id):
        return requests.get(f"{self.base}/v2/requests/{request_id}/status", headers={"x-api-key": self.key},
                            timeout=30).json()

    def wait(self, request_id, timeout=300):
        """Polls until the job ends; returns (result body, every status seen)."""
        seen, deadline = [], time.time() + timeout
        while time.time() < deadline:
            status = self.status(request_id)
            seen.append(status)
            if status["status"] in FINAL:
                body = requests.get(f"{self.base}/v2/requests/{request_id}", headers={"x-api-key": self.key},
                                    timeout=30).json()
                return body, seen
            time.sleep(0.05)
        raise AssertionError(f"{request_id} not finished: {seen[-1]}\n{self.logs()}")

    def fetch(self, url):
        path = os.path.join(self.directory, f"out-{time.time_ns()}.mp4")
        response = requests.get(url, timeout=60)
        assert response.status_code == 200, response.text
        with open(path, "wb") as handle:
            handle.write(response.content)
        return probe(path)

    def logs(self):
        return "\n".join(f"--- {p.log_path}\n{open(p.log_path).read()[-4000:]}" for p in self.processes)

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def cluster(tiny_checkpoint, tmp_path):
    # In pytest's temporary directory: the logs of the last few runs are kept, older ones removed.
    cluster = Cluster(tiny_checkpoint, str(tmp_path))
    yield cluster
    cluster.close()


def data_uri(path):
    return "data:image/png;base64," + base64.b64encode(open(path, "rb").read()).decode()


def test_jobs_are_leased_progress_and_complete_with_the_promised_mp4(cluster, images, web):
    # --device cpu: the explicit CPU choice still loads the tiny checkpoint; the smoke render runs
    # before the worker leases anything. --overlap-encode: both jobs are queued at once, so the
    # second is leased and generated while the first is encoded, uploaded and completed.
    worker = cluster.worker("--device", "cpu", "--overlap-encode")
    started = open(worker.log_path).read()
    assert "hardware: torch" in started and "cpu: CPU" in started, started
    assert started.index("smoke render passed: 9 frames at 256×256") < started.index("serving"), started
    start_only = cluster.submit(prompt='a robot waves and says "hello"', start_image_url=data_uri(images["start"]),
                                duration=10)
    # Start and end frames: the condition pipeline, at index 0 and -1. The start image is bare
    # base64, the end image a URL the worker fetches itself (through a redirect); no audio track
    # when generate_audio is false.
    both = cluster.submit(prompt="a door opens", start_image_url=base64.b64encode(open(images["start"], "rb").read())
                          .decode(), end_image_url=web + "/hop", duration=3, aspect_ratio="1:1", generate_audio=False)
    body, seen = cluster.wait(start_only)
    assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
    progress = [s.get("progress", 0) for s in seen if s["status"] == "PROCESSING"]
    assert any(0 < p < 1 for p in progress), f"no progress seen: {seen}"
    streams = cluster.fetch(body["output"])
    assert (streams["video"]["width"], streams["video"]["height"]) == (64, 36)
    assert int(streams["video"]["nb_read_frames"]) == 240
    assert (streams["audio"]["codec_name"], streams["audio"]["sample_rate"]) == ("aac", "48000")
    assert abs(float(streams["audio"]["duration"]) - 10.0) < 0.05

    body, _ = cluster.wait(both)
    assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
    streams = cluster.fetch(body["output"])
    assert (streams["video"]["width"], streams["video"]["height"], int(streams["video"]["nb_read_frames"])) == \
        (36, 36, 72)
    assert "audio" not in streams
    log = open(worker.log_path).read()
    assert "LTX2ConditionPipeline (start frame at latent index 0, end frame on the last delivered frame)" in log, log

    # What the worker cannot do yet is refused at submit by the model's declared parameters.
    refused = requests.post(f"{cluster.base}/v2/{MODEL}", headers={"x-api-key": cluster.key}, timeout=60,
                            json={"prompt": "@Element1 walks", "start_image_url": data_uri(images["start"]),
                                  "duration": 3, "elements": [{"frontal_image_url": data_uri(images["end"])}]})
    assert refused.status_code == 400 and refused.json()["error"].startswith(
        "elements is not supported by ltx-2-image2video"), refused.text


def test_a_worker_killed_mid_job_loses_its_lease_and_the_job_is_retried(cluster, images):
    victim = cluster.worker()
    job = cluster.submit(prompt="waves crash", start_image_url=data_uri(images["start"]), duration=15)
    deadline = time.time() + 120
    while time.time() < deadline:
        status = cluster.status(job)
        if status["status"] == "PROCESSING" and status.get("progress", 0) > 0.02:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"never in progress: {status}\n{cluster.logs()}")
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    cluster.worker()
    body, _ = cluster.wait(job)
    assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
    assert body["metrics"]["retry_count"] == 1, body
    assert int(cluster.fetch(body["output"])["video"]["nb_read_frames"]) == 360


def test_sigterm_hands_the_job_back_and_kling_jobs_run_when_asked(cluster, images):
    # --also-kling: the GPU worker takes kling-3-pro-image2video jobs too (this gateway has no local slots).
    first = cluster.worker("--also-kling")
    job = cluster.submit("kling-3-pro-image2video", prompt="a slow push in", start_image_url=data_uri(images["start"]),
                         duration=15)
    deadline = time.time() + 120
    while cluster.status(job).get("progress", 0) <= 0.02:
        assert time.time() < deadline, cluster.logs()
        time.sleep(0.05)
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=60) == 0
    assert "handed back to the queue" in open(first.log_path).read()
    assert cluster.status(job)["status"] == "QUEUED"
    second = cluster.worker("--also-kling")
    body, _ = cluster.wait(job)
    assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
    assert body["metrics"]["retry_count"] == 0, body
    # Where the job's time went, as the worker reported it: every stage, in seconds.
    stages = body["metrics"]["stages"]
    assert set(stages) == {"fetch", "text", "stage_1", "upsample", "stage_2", "decode", "audio", "encode", "upload"}, body
    assert all(0 <= seconds <= body["metrics"]["inference_time"] + 0.01 for seconds in stages.values()), body
    assert int(cluster.fetch(body["output"])["video"]["nb_read_frames"]) == 360

    # An idle worker (in its long poll for a lease) stops when that poll ends, leasing nothing more.
    # No time limit but a generous one: finishing the poll and Python's exit stretch on a loaded machine.
    time.sleep(1)
    second.send_signal(signal.SIGTERM)
    try:
        assert second.wait(timeout=60) == 0, open(second.log_path).read()
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running 60 s after SIGTERM:\n{cluster.logs()}") from None
    log = open(second.log_path).read()
    assert "worker stopped" in log and "leased" not in log[log.index("SIGTERM: stopping"):], log


def test_a_refused_token_stops_the_worker_with_the_gateways_answer(cluster):
    process = cluster._spawn("worker", [
        sys.executable, "-m", "zoetrope_ltx", "--gateway", cluster.base, "--token", cluster.key,
        "--model-dir", cluster.checkpoint])
    assert process.wait(timeout=120) == 1
    log = open(process.log_path).read()
    assert "worker stopped: the gateway answered 403" in log, log
