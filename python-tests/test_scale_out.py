"""Scale-out, as operators run it: two gateways and two remote workers, each its own process,
sharing one PostgreSQL database and one S3-compatible bucket (moto behind a proxy that checks
AWS signatures). Needs ZOETROPE_TEST_DATABASE_URL and ZOETROPE_TEST_S3_ENDPOINT, which
`scripts/test.sh` sets (it starts both servers)."""

import base64
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import uuid

import boto3
import httpx
import pytest

ZOETROPE_BIN = os.environ.get("ZOETROPE_BIN", ".build/release/zoetrope")
ADMIN_URL = os.environ.get("ZOETROPE_TEST_DATABASE_URL")
S3_ENDPOINT = os.environ.get("ZOETROPE_TEST_S3_ENDPOINT")
MODEL = "kling-3-pro-image2video"
LEASE = "4s"

pytestmark = pytest.mark.skipif(
    not (ADMIN_URL and S3_ENDPOINT), reason="needs ZOETROPE_TEST_DATABASE_URL and ZOETROPE_TEST_S3_ENDPOINT")


def psql(url, sql):
    return subprocess.run(["psql", url, "-tAc", sql], check=True, capture_output=True, text=True).stdout.strip()


class Cluster:
    """The processes of one test: gateways and workers, with their logs."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="zoetrope-scale-")
        self.database = "zoetrope_scale_" + uuid.uuid4().hex
        psql(ADMIN_URL, f"CREATE DATABASE {self.database}")
        self.database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + self.database
        self.bucket = "zoetrope-scale-" + uuid.uuid4().hex[:12]
        self.env = dict(
            os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
            ZOETROPE_S3_ENDPOINT=S3_ENDPOINT, ZOETROPE_DATABASE_URL=self.database_url)
        boto3.client(
            "s3", endpoint_url=S3_ENDPOINT, aws_access_key_id="test", aws_secret_access_key="test",
            region_name="us-east-1").create_bucket(Bucket=self.bucket)
        self.processes = []

    def spawn(self, name, *args):
        log = open(os.path.join(self.directory, name + ".log"), "w")
        process = subprocess.Popen([ZOETROPE_BIN, *args], stdout=log, stderr=subprocess.STDOUT, env=self.env)
        process.log_path = log.name
        self.processes.append(process)
        return process

    def gateway(self, name, *flags):
        data = os.path.join(self.directory, name)
        return self.spawn(
            name, "serve", "--port", "0", "--data-dir", data, "--blob-url", f"s3://{self.bucket}/run",
            "--no-local-runner", "--lease", LEASE, "--expiry-interval", "1s", "--allow-private-inputs", *flags)

    def base_url(self, process, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = open(process.log_path).read()
            if process.poll() is not None:
                raise RuntimeError(f"process exited:\n{text}")
            match = re.search(r"public URL (http://[^\s\"]+)", text)
            if match:
                return match.group(1)
            time.sleep(0.1)
        raise RuntimeError("did not start:\n" + open(process.log_path).read())

    def key(self, *flags):
        out = subprocess.run(
            [ZOETROPE_BIN, "keys", "create", "--name", "scale", *flags, "--data-dir", self.directory],
            check=True, capture_output=True, text=True, env=self.env).stdout
        return out.strip().splitlines()[-1]

    def logs(self):
        return "\n".join(f"--- {p.log_path}\n{open(p.log_path).read()[-3000:]}" for p in self.processes)

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        psql(ADMIN_URL, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


@pytest.fixture
def cluster():
    cluster = Cluster()
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def still():
    path = os.path.join(tempfile.mkdtemp(), "still.jpg")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=640x360", "-frames:v", "1", path], check=True)
    return "data:image/jpeg;base64," + base64.b64encode(open(path, "rb").read()).decode()


def submit(base, key, still, duration=3, prompt="a slow push in"):
    answer = httpx.post(
        f"{base}/v2/{MODEL}", headers={"x-api-key": key}, timeout=60,
        json={"prompt": prompt, "start_image_url": still, "duration": duration, "generate_audio": False})
    assert answer.status_code == 200, answer.text
    return answer.json()["request_id"]


def wait_all(bases, key, ids, cluster, timeout=600):
    """Polls each request, alternating gateways, until all end; returns their result bodies."""
    results, deadline, turn = {}, time.time() + timeout, 0
    while len(results) < len(ids):
        assert time.time() < deadline, f"not finished: {set(ids) - set(results)}\n{cluster.logs()}"
        for request_id in ids:
            if request_id in results:
                continue
            base = bases[turn % len(bases)]
            turn += 1
            status = httpx.get(f"{base}/v2/requests/{request_id}/status", headers={"x-api-key": key}, timeout=30)
            if status.json().get("status") in ("COMPLETED", "FAILED", "CANCELLED"):
                body = httpx.get(f"{base}/v2/requests/{request_id}", headers={"x-api-key": key}, timeout=30)
                results[request_id] = body.json()
        time.sleep(0.5)
    return results


def assert_mp4(url):
    video = httpx.get(url, timeout=60)
    assert video.status_code == 200, video.text
    assert video.content[4:8] == b"ftyp"


def test_two_gateways_two_workers_one_database_one_bucket(cluster, still):
    # Two gateways start at the same moment against the empty database: migrations apply once.
    first, second = cluster.gateway("gateway-1", "--log-format", "json"), cluster.gateway("gateway-2")
    bases = [cluster.base_url(first), cluster.base_url(second)]
    assert psql(cluster.database_url, "SELECT count(*) FROM zoetrope_migrations") == \
        psql(cluster.database_url, "SELECT count(DISTINCT version) FROM zoetrope_migrations")
    for base in bases:
        assert httpx.get(base + "/readyz").json()["status"] == "ready"

    key, token = cluster.key(), cluster.key("--worker")
    workers = [
        cluster.spawn(f"worker-{i}", "worker", "--gateway", base, "--token", token, "--allow-private-inputs")
        for i, base in enumerate(bases)]

    # 20 jobs round-robin: each completes exactly once, pollable from either gateway, and its
    # presigned link downloads the MP4 straight from the bucket.
    ids = [submit(bases[i % 2], key, still) for i in range(20)]
    results = wait_all(bases, key, ids, cluster)
    for request_id, body in results.items():
        assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
        assert body["metrics"]["retry_count"] == 0, body
        assert S3_ENDPOINT in body["output"] and "X-Amz-Signature=" in body["output"]
        assert_mp4(body["output"])
    assert psql(cluster.database_url, "SELECT count(*), sum(attempts) FROM jobs WHERE status = 'COMPLETED'") == "20|20"
    metrics = httpx.get(bases[1] + "/metrics").text
    assert re.search(r'zoetrope_jobs\{model="kling-3-pro-image2video",status="COMPLETED"\} 20', metrics), metrics
    assert re.search(r"zoetrope_workers 2", metrics), metrics

    # Structured logs: every line of the JSON gateway is an object, and each request's lines
    # carry its id.
    lines = [json.loads(line) for line in open(first.log_path) if line.strip()]
    assert all({"ts", "level", "message"} <= set(line) for line in lines)
    assert any("http_request_id" in line and line["message"].startswith("Request") for line in lines), lines[:5]

    # A worker killed mid-job: after its lease expires the other worker completes the job.
    long_job = submit(bases[0], key, still, duration=10)
    deadline = time.time() + 120
    owner = ""
    while time.time() < deadline:
        owner = psql(cluster.database_url, f"SELECT coalesce(lease_owner, '') FROM jobs WHERE id = '{long_job}'")
        if owner:
            break
        time.sleep(0.1)
    assert owner, cluster.logs()
    victim = next(w for w in workers if f"-{w.pid}-" in owner)
    survivor = next(w for w in workers if w is not victim)
    time.sleep(1)
    victim.send_signal(signal.SIGKILL)
    body = wait_all(bases, key, [long_job], cluster)[long_job]
    assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
    assert body["metrics"]["retry_count"] == 1, body
    assert_mp4(body["output"])
    assert int(psql(cluster.database_url, f"SELECT attempts FROM jobs WHERE id = '{long_job}'")) == 2

    # A gateway killed: clients polling the other gateway see every job finish.
    survivor_base = bases[workers.index(survivor)]
    doomed_base = bases[1 - workers.index(survivor)]
    doomed = [first, second][bases.index(doomed_base)]
    late = [submit(doomed_base, key, still) for _ in range(3)]
    doomed.send_signal(signal.SIGKILL)
    results = wait_all([survivor_base], key, late, cluster)
    assert all(body["status"] == "COMPLETED" for body in results.values()), f"{results}\n{cluster.logs()}"
