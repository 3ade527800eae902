"""Real Zoetrope processes for the suites that run more than one server: gateways and workers
from the release binary, each with its log (`Cluster`); a PostgreSQL server a test owns and may
stop and start (`PostgresServer`); the S3-compatible test server, moto behind
scripts/s3-verify-proxy.py (`S3Server`); and the client steps those suites share (a small start
image, submitting, waiting, checking an MP4)."""

import base64
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOETROPE_BIN = os.environ.get("ZOETROPE_BIN", ".build/release/zoetrope")
MODEL = "kling-3-pro-image2video"
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
LEASE = "4s"
S3_ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    return subprocess.run(["psql", url, "-tAc", sql], check=True, capture_output=True, text=True).stdout.strip()


def still_image():
    """A 640×360 JPEG test card as a `data:` URI: a small inline start image."""
    path = os.path.join(tempfile.mkdtemp(prefix="zoetrope-still-"), "still.jpg")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=640x360", "-frames:v", "1", path], check=True)
    with open(path, "rb") as handle:
        return "data:image/jpeg;base64," + base64.b64encode(handle.read()).decode()


def serve_flags(binary=ZOETROPE_BIN):
    """The flags `zoetrope serve --help` lists."""
    text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"^(--[a-z0-9-]+)", text, re.M))


class Cluster:
    """The processes of one test, gateways and workers, with their logs; on one database (a fresh
    database on the PostgreSQL server at `admin_url`, else a SQLite file in the cluster's
    directory) and, given an S3 endpoint, a fresh bucket."""

    def __init__(self, prefix="zoetrope-cluster-", admin_url=None, s3_endpoint=None, environment=None):
        self.directory = tempfile.mkdtemp(prefix=prefix)
        self.admin_url = admin_url
        self.database = None
        if admin_url:
            self.database = "zoetrope_" + uuid.uuid4().hex
            psql(admin_url, f"CREATE DATABASE {self.database}")
            self.database_url = admin_url.rsplit("/", 1)[0] + "/" + self.database
        else:
            self.database_url = "sqlite:" + os.path.join(self.directory, "zoetrope.sqlite")
        self.env = dict(os.environ, ZOETROPE_DATABASE_URL=self.database_url, **S3_ENVIRONMENT)
        self.bucket = None
        if s3_endpoint:
            self.bucket = "zoetrope-" + uuid.uuid4().hex[:12]
            s3_client(s3_endpoint).create_bucket(Bucket=self.bucket)
            self.env["ZOETROPE_S3_ENDPOINT"] = s3_endpoint
        self.env.update(environment or {})
        self.processes = []

    def spawn(self, name, command, env=None):
        log = open(os.path.join(self.directory, name + ".log"), "w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env or self.env)
        process.log_path = log.name
        process.name = name
        self.processes.append(process)
        return process

    def zoetrope(self, name, *args):
        return self.spawn(name, [ZOETROPE_BIN, *args])

    def gateway(self, name, *flags, data_dir=None, wrapper=(), lease=LEASE):
        """`zoetrope serve` on a free port with short leases and sweeps, loopback inputs and
        webhooks allowed, blobs in the cluster's bucket when it has one; `wrapper` is a command
        that ends by running the rest of its arguments (`unshare … sh -c '… exec "$0" "$@"'`)."""
        data = data_dir or os.path.join(self.directory, name)
        blobs = ["--blob-url", f"s3://{self.bucket}/run"] if self.bucket else []
        return self.spawn(name, [
            *wrapper, ZOETROPE_BIN, "serve", "--port", "0", "--data-dir", data, *blobs, "--lease", lease,
            "--expiry-interval", "1s", "--allow-private-inputs", *flags])

    def base_url(self, process, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = open(process.log_path).read()
            if process.poll() is not None:
                raise RuntimeError(f"{process.name} exited with {process.returncode}:\n{text}")
            match = re.search(r"public URL (http://[^\s\"]+)", text)
            if match:
                return match.group(1)
            time.sleep(0.1)
        raise RuntimeError(f"{process.name} did not start:\n" + open(process.log_path).read())

    def key(self, *flags):
        out = subprocess.run(
            [ZOETROPE_BIN, "keys", "create", "--name", "cluster", *flags, "--data-dir", self.directory],
            check=True, capture_output=True, text=True, env=self.env).stdout
        return out.strip().splitlines()[-1]

    def logs(self, tail=3000):
        return "\n".join(f"--- {p.log_path}\n{open(p.log_path).read()[-tail:]}" for p in self.processes)

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.database:
            psql(self.admin_url, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


def s3_client(endpoint):
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")


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
            if status.json().get("status") in TERMINAL:
                body = httpx.get(f"{base}/v2/requests/{request_id}", headers={"x-api-key": key}, timeout=30)
                results[request_id] = body.json()
        time.sleep(0.5)
    return results


def mp4_problem(content, content_length=None):
    """Why `content` is not one whole MP4 (None when it is): `ftyp` first, as long as its
    Content-Length says, and ffprobe reads a video stream with a duration from it."""
    if content_length is not None and int(content_length) != len(content):
        return f"{len(content)} bytes of a Content-Length of {content_length}"
    if content[4:8] != b"ftyp":
        return f"no ftyp box (starts {content[:16]!r})"
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(content)
        handle.flush()
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name:format=duration",
             "-of", "csv=p=0", handle.name], capture_output=True, text=True)
    if probe.returncode != 0 or probe.stderr.strip() or "h264" not in probe.stdout:
        return f"ffprobe: {probe.stderr.strip()[:300] or probe.stdout.strip()[:300]}"
    return None


def assert_mp4(url):
    video = httpx.get(url, timeout=60)
    assert video.status_code == 200, video.text
    problem = mp4_problem(video.content, video.headers.get("content-length"))
    assert problem is None, problem


def postgres_binaries():
    """The PostgreSQL server binaries' directory as scripts/postgres-for-tests.sh finds it ($PG_BIN,
    else the newest /usr/lib/postgresql/*/bin, else the PATH); None when there are none."""
    if os.environ.get("PG_BIN"):
        return os.environ["PG_BIN"] if os.access(os.path.join(os.environ["PG_BIN"], "initdb"), os.X_OK) else None
    found = [
        d for d in glob.glob("/usr/lib/postgresql/*/bin")
        if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK)]
    if found:
        return max(found, key=lambda d: [int(p) for p in re.findall(r"\d+", d.split("/")[4])])
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    return os.path.dirname(initdb) if initdb and pg_ctl else None


class PostgresServer:
    """A throwaway PostgreSQL server of one test's own, set up as scripts/postgres-for-tests.sh
    does (127.0.0.1 on a free port, trust authentication, fsync off; run as `postgres` when we
    are root), which the test may stop and start again on the same port with its data kept."""

    def __init__(self):
        self.bin = postgres_binaries()
        if not self.bin:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl)")
        self.root = tempfile.mkdtemp(prefix="zoetrope-chaos-pg-")
        if os.getuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        self.port = None
        for _ in range(3):
            self.port = free_port()
            if self.start(check=False):
                break
        else:
            raise RuntimeError("PostgreSQL did not start:\n" + self.log_tail())
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool, *args, check=True):
        command = [os.path.join(self.bin, tool), *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}")
        return done.returncode == 0

    def start(self, check=True):
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self.running = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-t", "60", "-o", options, "-w", "start",
                                 check=check)
        return self.running

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")
        self.running = False

    def log_tail(self, size=2000):
        try:
            return open(self.log).read()[-size:]
        except OSError:
            return ""

    def close(self):
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def moto_server():
    """moto_server beside this Python (the test venv), else on the PATH; None without it."""
    beside = os.path.join(os.path.dirname(sys.executable), "moto_server")
    return beside if os.access(beside, os.X_OK) else shutil.which("moto_server")


class S3Server:
    """moto_server behind scripts/s3-verify-proxy.py (which checks signatures as S3 does), as
    scripts/test-services.sh starts them; `endpoint` is the proxy."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="zoetrope-s3-")
        moto_port, proxy_port = free_port(), free_port()
        self.processes = []
        for name, command in (
            ("moto", [moto_server(), "-H", "127.0.0.1", "-p", str(moto_port)]),
            ("proxy", [sys.executable, os.path.join(ROOT, "scripts", "s3-verify-proxy.py"), str(proxy_port),
                       str(moto_port)])):
            log = open(os.path.join(self.directory, name + ".log"), "w")
            self.processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        self.endpoint = f"http://127.0.0.1:{proxy_port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{moto_port}/", timeout=2)
                httpx.get(self.endpoint, timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("the S3 test server did not start")

    def close(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
