"""Chaos: faults of the parts around Zoetrope, injected into real processes during runs of at
least 20 jobs: the release binary (ZOETROPE_BIN) as the gateway, rendering with 2 local slots,
PostgreSQL (a server of this test's own, stopped and started mid-run), the S3 server (moto behind
scripts/s3-verify-proxy.py, the one of ZOETROPE_TEST_S3_ENDPOINT or one started here) with a
fault-injecting proxy in front, a data directory on a small tmpfs, and webhook receivers.

For every fault each test checks that every accepted job ends COMPLETED, or FAILED with a reason
that names the fault; that none is stuck; that every file served is a whole MP4; that every error
answer is JSON `{"error": ...}` with the status the contract gives (never a 500); and that no
request waits longer than its documented timeout. Each test prints one summary line (also
appended to $ZOETROPE_CHAOS_REPORT when set) and reports every broken promise at once.

The contract's flags (--database-timeout, --blob-timeout, --webhook-timeout) must be in
`zoetrope serve --help`; ZOETROPE_CHAOS_DROP_UNKNOWN_FLAGS=1 leaves out the ones a binary lacks
(to see how an older binary fares), instead of failing at once."""

import hashlib
import hmac
import os
import shlex
import sqlite3
import subprocess
import threading
import time

import pytest

from chaos import Answers, DiskFiller, FaultProxy, Receiver, as_json, job_id_of, report
from cluster import (
    MODEL, TERMINAL, ZOETROPE_BIN, Cluster, PostgresServer, S3Server, moto_server, mp4_problem, postgres_binaries,
    psql, s3_client, serve_flags, still_image)

S3_ENDPOINT = os.environ.get("ZOETROPE_TEST_S3_ENDPOINT")
JOBS = 20
# Every gateway here renders with 2 local slots and lets one key poll 20 jobs freely.
BASE_FLAGS = ("--concurrency", "2", "--rate-limit", "1000000", "--rate-burst", "1000000")
# Requests that meet no fault: a generous bound, for a loaded 2-core machine.
NORMAL_LIMIT = 10.0
# The cheapest real job: 3 s of 1080×1080 video without audio (a 16:9 one takes ~70 % longer to
# render), from a small inline start image.
JOB = {"prompt": "a slow push in", "duration": 3, "generate_audio": False, "aspect_ratio": "1:1"}

pytestmark = pytest.mark.skipif(
    not os.path.exists(ZOETROPE_BIN), reason=f"needs the zoetrope binary ({ZOETROPE_BIN}; set ZOETROPE_BIN)")
needs_postgres = pytest.mark.skipif(
    postgres_binaries() is None, reason="needs the PostgreSQL server binaries (initdb, pg_ctl; apt-get install postgresql)")
needs_s3 = pytest.mark.skipif(
    not (S3_ENDPOINT or moto_server()), reason="needs moto_server (pip install moto[server]) or ZOETROPE_TEST_S3_ENDPOINT")


@pytest.fixture(scope="module")
def still():
    return still_image()


@pytest.fixture(scope="module")
def s3():
    if S3_ENDPOINT:
        yield S3_ENDPOINT
        return
    server = S3Server()
    yield server.endpoint
    server.close()


@pytest.fixture
def postgres():
    """A PostgreSQL server of this test's own, to stop and start."""
    server = PostgresServer()
    yield server
    server.close()


def contract_flags(**flags):
    """`--name value` for each flag the contract under test adds; fails when the binary lacks
    one, unless ZOETROPE_CHAOS_DROP_UNKNOWN_FLAGS is set (then the flag is left out)."""
    known = serve_flags()
    out, missing = [], []
    for name, value in flags.items():
        flag = "--" + name.replace("_", "-")
        if flag in known:
            out += [flag, value]
        else:
            missing.append(flag)
    if missing and not os.environ.get("ZOETROPE_CHAOS_DROP_UNKNOWN_FLAGS"):
        pytest.fail(f"{ZOETROPE_BIN} has no {', '.join(missing)} (not in `zoetrope serve --help`): the server side "
                    "of this fault's contract has not landed in this binary")
    if missing:
        print(f"(left out, unknown to this binary: {', '.join(missing)})")
    return out


class Run:
    """The jobs of one fault run: submitted and polled through `answers`, so every answer is
    recorded; notes when each job was first seen ended and its result."""

    def __init__(self, base, key, still, answers, limit=NORMAL_LIMIT):
        self.base, self.key, self.still, self.answers, self.limit = base, key, still, answers, limit
        self.ids, self.status, self.results, self.ended_at = [], {}, {}, {}

    def submit(self, label="submit", webhook=None, limit=None):
        response = self.answers.call(
            "POST", f"{self.base}/v2/{MODEL}", label, limit=limit or self.limit, headers={"x-api-key": self.key},
            params={"webhook": webhook} if webhook else None,
            json={"start_image_url": self.still, **JOB})
        if response is not None and response.status_code == 200:
            request_id = response.json()["request_id"]
            self.ids.append(request_id)
            return request_id
        return None

    def unfinished(self):
        return [i for i in self.ids if i not in self.results]

    def poll(self):
        for request_id in self.unfinished():
            response = self.answers.call(
                "GET", f"{self.base}/v2/requests/{request_id}/status", "status", limit=self.limit,
                headers={"x-api-key": self.key})
            # A FAILED job answers 422 with its status and error (docs/API.md).
            if response is None or response.status_code not in (200, 422):
                continue
            self.status[request_id] = response.json()
            if self.status[request_id].get("status") in TERMINAL:
                self.ended_at.setdefault(request_id, time.time())
                result = self.answers.call(
                    "GET", f"{self.base}/v2/requests/{request_id}", "result", limit=self.limit,
                    headers={"x-api-key": self.key})
                if result is not None and result.status_code in (200, 422):
                    self.results[request_id] = result.json()

    def count(self, status):
        return sum(1 for s in self.status.values() if s.get("status") == status)

    def wait(self, until=None, timeout=240, interval=0.3):
        """Polls until `until()` holds (default: every job ended) or `timeout` passes; returns
        whether it held."""
        until = until or (lambda: not self.unfinished())
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.poll()
            if until():
                return True
            time.sleep(interval)
        return False

    def tally(self):
        ended = [self.results[i]["status"] for i in self.ids if i in self.results]
        return (f"{len(self.ids)} jobs, {ended.count('COMPLETED')} COMPLETED, {ended.count('FAILED')} FAILED, "
                f"{len(self.unfinished())} stuck")

    def stuck_problems(self):
        return [f"request {i} never ended: last seen {self.status.get(i, {}).get('status', 'unknown')}"
                for i in self.unfinished()]

    def download_problems(self, label="download"):
        """Every COMPLETED output, downloaded as a client would: whole MP4s only."""
        problems = []
        for request_id, body in self.results.items():
            if body["status"] != "COMPLETED":
                continue
            response = self.answers.call("GET", body["output"], label, limit=NORMAL_LIMIT)
            if response is None or response.status_code != 200:
                problems.append(f"request {request_id}: its output did not download")
                continue
            problem = mp4_problem(response.content, response.headers.get("content-length"))
            if problem:
                problems.append(f"request {request_id}: its output is not a whole MP4: {problem}")
        return problems


def finish(name, line, problems, cluster=None, extra=""):
    report(f"chaos {name}: {line}")
    problems = list(dict.fromkeys(problems))
    if problems:
        logs = cluster.logs() if cluster else ""
        pytest.fail(f"{len(problems)} broken promise(s) under {name}:\n- " + "\n- ".join(problems[:60])
                    + f"\n{extra}\n{logs}")


def mentions(text, *words):
    text = (text or "").lower()
    return all(word in text for word in words)


# --- 1. PostgreSQL down mid-run -----------------------------------------------------------------

DATABASE_TIMEOUT = 3.0
# PostgreSQL stays down at least this long, and until the renders under way when it stopped
# have put their videos in the bucket (at most OUTAGE_MAX).
OUTAGE, OUTAGE_MAX = 8.0, 30.0


@needs_postgres
@needs_s3
def test_postgres_down_mid_run(still, s3, postgres):
    started = time.time()
    cluster = Cluster(prefix="zoetrope-chaos-pg-", admin_url=postgres.url, s3_endpoint=s3)
    bucket = s3_client(s3)
    answers, problems = Answers(), []
    try:
        # A lease that outlasts the outage: a render that finishes while the database is down
        # keeps its claim, and reports its video once the database is back. (An outage longer
        # than the lease hands the job to the next free slot, as a stopped worker's would be.)
        gateway = cluster.gateway(
            "gateway", *BASE_FLAGS, *contract_flags(database_timeout=f"{DATABASE_TIMEOUT:.0f}s"), lease="60s")
        base, key = cluster.base_url(gateway), cluster.key()
        run = Run(base, key, still, answers)
        for _ in range(JOBS):
            run.submit()
        assert len(run.ids) == JOBS, answers.problems()

        # Stop PostgreSQL once some jobs are done and both slots are mid-render.
        def mid_run():
            rendering = [i for i, s in run.status.items() if s.get("status") == "PROCESSING" and s.get("progress", 0) > 0]
            return run.count("COMPLETED") >= 2 and len(rendering) >= 1
        assert run.wait(mid_run, timeout=120), f"no job got under way\n{cluster.logs()}"
        mid_render = [i for i, s in run.status.items() if s.get("status") == "PROCESSING"]
        down_at = time.time()
        postgres.stop("fast")

        def stored_videos():
            listing = bucket.list_objects_v2(Bucket=cluster.bucket, Prefix="run/")
            return {job_id_of(o["Key"]) for o in listing.get("Contents", []) if o["Key"].endswith(".mp4")}

        # While it is down: submits and status reads (two of each at once) and /readyz, round
        # after round.
        limit = DATABASE_TIMEOUT + 3
        rounds, finished_during = 0, set()
        while True:
            finished_during = stored_videos() & set(mid_render)
            elapsed = time.time() - down_at
            if elapsed > OUTAGE_MAX or (elapsed >= OUTAGE and rounds >= 3 and finished_during == set(mid_render)):
                break
            probe_ids = [run.ids[(2 * rounds + n) % len(run.ids)] for n in range(2)]
            calls = [lambda: run.submit(label="outage", limit=limit) for _ in range(2)]
            calls += [lambda i=i: answers.call("GET", f"{base}/v2/requests/{i}/status", "outage", limit=limit,
                                               headers={"x-api-key": key}) for i in probe_ids]
            calls.append(lambda: answers.call("GET", f"{base}/readyz", "readyz", limit=limit))
            threads = [threading.Thread(target=call) for call in calls]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rounds += 1
            time.sleep(0.25)
        outage = time.time() - down_at
        postgres.start()
        up_at = time.time()

        ready_after = None
        while time.time() - up_at < 30:
            response = answers.call("GET", f"{base}/readyz", "readyz-after", limit=limit)
            if response is not None and response.status_code == 200:
                ready_after = time.time() - up_at
                break
            time.sleep(0.2)
        if ready_after is None:
            problems.append("/readyz did not answer 200 within 30 s of PostgreSQL's return")

        run.wait(timeout=240)
        problems += run.stuck_problems()

        during = answers.select("outage")
        for a in during:
            body = a["json"] if isinstance(a["json"], dict) else {}
            if a["status"] != 503 or not mentions(body.get("error"), "database", "unavailable"):
                problems.append(f"during the outage {a['method']} {a['url'].split(base)[-1]} answered "
                                f"{a['status']} {a['text'][:200]!r} after {a['seconds']:.1f} s; want 503 "
                                "{\"error\": \"…database unavailable…\"}")
        for a in answers.select("readyz"):
            if a["status"] != 503:
                problems.append(f"/readyz answered {a['status']} while PostgreSQL was down")
        problems += answers.problems()
        for request_id in run.ids:
            body = run.results.get(request_id)
            if body and body["status"] != "COMPLETED":
                problems.append(f"request {request_id} ended {body['status']}: {body.get('error')!r}")
        # A render that finished while the database was down keeps its video: reported, not redone.
        kept = 0
        for request_id in finished_during:
            body = run.results.get(request_id)
            if body and body["status"] == "COMPLETED":
                if body["metrics"]["retry_count"] == 0:
                    kept += 1
                else:
                    problems.append(f"request {request_id} finished rendering while PostgreSQL was down, but was "
                                    f"rendered again (retry_count {body['metrics']['retry_count']}): its video was "
                                    "not kept")
        if not finished_during:
            problems.append(f"none of the {len(mid_render)} renders under way when PostgreSQL stopped finished during "
                            f"the outage ({outage:.0f} s): the fault was not exercised")
        problems += run.download_problems()
        rows = psql(cluster.database_url, "SELECT count(*), count(*) FILTER (WHERE status = 'COMPLETED') FROM jobs")
        if rows != f"{len(run.ids)}|{len(run.ids)}":
            problems.append(f"the database holds (jobs, COMPLETED) {rows}, but {len(run.ids)} were accepted: "
                            "a refused submit left a job, or an accepted one was lost")
        ready = "never ready again" if ready_after is None else f"200 {ready_after:.1f} s after PostgreSQL's return"
        line = (f"{run.tally()}; {len(during)} answers during the fault ({outage:.0f} s down): "
                f"{answers.tally('outage')}; /readyz {answers.tally('readyz')} during, {ready}; "
                f"{kept} of {len(finished_during)} renders finished during the outage kept; "
                f"{len(run.ids) - JOBS} submits accepted during the outage; {time.time() - started:.0f} s")
        finish("postgres-down", line, problems, cluster, f"PostgreSQL log:\n{postgres.log_tail()}")
    finally:
        if not postgres.running:
            postgres.start(check=False)
        cluster.close()


# --- 2. Disk full under the local blob store ------------------------------------------------------

TMPFS_SIZE = "64m"


def tmpfs_wrapper(directory):
    """A wrapper that runs the gateway with a tmpfs mounted at `directory` in a mount namespace
    of its own (`unshare -rm`: works unprivileged where user namespaces are allowed), and how to
    reach that tmpfs from here; else a tmpfs mounted here (needs root); else skips."""
    mount = f"mount -t tmpfs -o size={TMPFS_SIZE} tmpfs {shlex.quote(directory)}"
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", mount], capture_output=True, text=True)
    if probe.returncode == 0:
        return ["unshare", "-rm", "sh", "-c", mount + ' && exec "$0" "$@"'], "namespace", probe.stderr
    plain = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", directory],
                           capture_output=True, text=True)
    if plain.returncode == 0:
        return [], "mounted", ""
    pytest.skip(f"cannot give the gateway a small tmpfs: `unshare -rm` failed ({probe.stderr.strip()}) and "
                f"`mount -t tmpfs` failed ({plain.stderr.strip()})")


def outputs_problems(outputs, unfinished_ids):
    """What in `outputs` is not a whole committed MP4 or its whole last-frame PNG (an input of a
    job still unfinished may stay); `.partial` must be empty."""
    found = []
    for name in sorted(os.listdir(outputs)):
        path = os.path.join(outputs, name)
        if name == ".partial":
            left = os.listdir(path)
            if left:
                found.append(f"outputs/.partial holds {len(left)} file(s): {left[:3]}")
        elif name.endswith(".mp4"):
            with open(path, "rb") as handle:
                problem = mp4_problem(handle.read())
            if problem:
                found.append(f"outputs/{name} is not a whole MP4: {problem}")
        elif name.endswith("-last.png"):
            # A video's last frame beside it: a whole PNG (it ends with its IEND chunk).
            with open(path, "rb") as handle:
                data = handle.read()
            if not (data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")):
                found.append(f"outputs/{name} is not a whole PNG")
            elif not os.path.exists(path.removesuffix("-last.png") + ".mp4"):
                found.append(f"outputs/{name} has no video beside it")
        elif not any(name.startswith(f"in-{i}-") for i in unfinished_ids):
            found.append(f"outputs/{name} should not be there ({os.path.getsize(path)} bytes)")
    return found


def sqlite_count(path, sql):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        return db.execute(sql).fetchone()[0]


def test_disk_full_local_blobs(still):
    started = time.time()
    cluster = Cluster(prefix="zoetrope-chaos-disk-")
    data = os.path.join(cluster.directory, "data")
    os.makedirs(data)
    wrapper, how, _ = tmpfs_wrapper(data)
    answers, problems = Answers(), []
    filler = None
    try:
        gateway = cluster.gateway("gateway", *BASE_FLAGS, data_dir=data, wrapper=wrapper)
        base, key = cluster.base_url(gateway), cluster.key()
        # The tmpfs as this process sees it: through the gateway's mount namespace.
        inside = f"/proc/{gateway.pid}/root{data}" if how == "namespace" else data
        outputs = os.path.join(inside, "outputs")
        database = cluster.database_url.removeprefix("sqlite:")
        filler = DiskFiller(inside)
        run = Run(base, key, still, answers)
        before = JOBS - 6
        for _ in range(before):
            run.submit()
        assert len(run.ids) == before, answers.problems()
        # Fill the disk once some jobs are done, while a render is under way if one can be caught.
        def rendering():
            return [i for i, s in run.status.items() if s.get("status") == "PROCESSING" and s.get("progress", 0) > 0]
        assert run.wait(lambda: run.count("COMPLETED") >= 3, timeout=120), f"no job completed\n{cluster.logs()}"
        run.wait(lambda: rendering(), timeout=20, interval=0.1)
        mid_render = rendering()
        filler.fill()
        full_at = time.time()
        # A submit with an inline image cannot store it: a JSON 503 or 507, and no job left. (Space
        # a job frees, its inputs deleted as it ends, can take one in before the filler tops the
        # disk up again: an accepted submit is then a job like any other, and must end.)
        jobs_before = sqlite_count(database, "SELECT count(*) FROM jobs")
        for _ in range(3):
            run.submit(label="full")
            time.sleep(0.5)
        jobs_after = sqlite_count(database, "SELECT count(*) FROM jobs")
        if jobs_after != jobs_before + sum(1 for i in run.ids[before:]):
            problems.append(f"refused submits left jobs behind ({jobs_before} jobs before, {jobs_after} after)")
        full_answers = answers.select("full")
        for a in full_answers:
            if a["status"] not in (200, 503, 507):
                problems.append(f"a submit while the disk was full answered {a['status']}: {a['text'][:200]!r}; "
                                "want a JSON 503 or 507")
        if not any(a["status"] in (503, 507) for a in full_answers):
            problems.append("no submit while the disk was full was refused")

        run.wait(timeout=180)
        problems += outputs_problems(outputs, run.unfinished())
        full_for = time.time() - full_at
        filler.free()

        # With space again, later jobs complete.
        later = [run.submit() for _ in range(JOBS - before)]
        run.wait(timeout=180)
        problems += run.stuck_problems()
        for request_id in run.ids:
            body = run.results.get(request_id)
            if not body:
                continue
            if request_id in later and body["status"] != "COMPLETED":
                problems.append(f"request {request_id}, submitted after the disk was freed, ended {body['status']}: "
                                f"{body.get('error')!r}")
            elif body["status"] == "FAILED" and not mentions(body.get("error"), "no space left"):
                problems.append(f"request {request_id} FAILED without naming the full disk: {body.get('error')!r}")
            elif body["status"] not in ("COMPLETED", "FAILED"):
                problems.append(f"request {request_id} ended {body['status']}")
        failed = [b for b in run.results.values() if b["status"] == "FAILED"]
        no_space = sum(1 for b in failed if mentions(b.get("error"), "no space left"))
        if not failed:
            problems.append("no job failed while the disk was full (the fault was not exercised)")
        problems += run.download_problems()
        problems += outputs_problems(outputs, run.unfinished())
        problems += answers.problems()
        mp4s = sum(1 for n in os.listdir(outputs) if n.endswith(".mp4"))
        broken = sum(1 for p in outputs_problems(outputs, []) if ".mp4 is not a whole MP4" in p)
        line = (f"{run.tally()} ({no_space} \"no space left\"); filled with {len(mid_render)} render(s) under way; "
                f"{len(answers.select('full'))} submits while full "
                f"({full_for:.0f} s): {answers.tally('full')}; outputs: {mp4s - broken} whole MP4s, {broken} broken, "
                f".partial {'empty' if not os.listdir(os.path.join(outputs, '.partial')) else 'NOT empty'}; "
                f"tmpfs {TMPFS_SIZE} ({how}); {time.time() - started:.0f} s")
        finish("disk-full", line, problems, cluster)
    finally:
        if filler:
            filler.free()
        cluster.close()
        if how == "mounted":
            subprocess.run(["umount", "-l", data], capture_output=True)


# --- 3. Bucket faults -------------------------------------------------------------------------

BLOB_TIMEOUT = 2.0
RETRIES = 3
BACKOFF = 0.5 + 1 + 2
# The most one upload (or one read) may take while the bucket fails or hangs: every try waits at
# most the blob timeout, with the backoff between them, and a margin for a loaded machine.
BUCKET_BOUND = (RETRIES + 1) * BLOB_TIMEOUT + BACKOFF + 3
FLAKY = (503, 500, "pass")
FLAKY_3 = (503, 503, 500, "pass")
DOWN = (500,)
HANG = ("hang",)
PASS = ("pass",)


def bucket_reason(error):
    text = (error or "").lower()
    return ("bucket" in text or "upload" in text) and "internal error" not in text


@needs_s3
def test_bucket_faults(still, s3):
    started = time.time()
    proxy = FaultProxy(s3)
    cluster = Cluster(prefix="zoetrope-chaos-s3-", s3_endpoint=s3, environment={"ZOETROPE_S3_ENDPOINT": proxy.endpoint})
    answers, problems = Answers(), []
    # Jobs, in the order their first upload comes: the 2 v1 jobs and 3 more pass, then 3 jobs
    # whose uploads fail twice and 1 whose uploads fail three times (transient: retried), then 3
    # whose uploads always fail, 2 whose uploads always hang, and the rest pass. The gateway's own
    # reads of videos (for the v1 calls) fail: always 500 for the first job, a hang for the second.
    proxy.set_upload_schedule([(PASS, 5), (FLAKY, 3), (FLAKY_3, 1), (DOWN, 3), (HANG, 2), (PASS, None)])
    proxy.set_read_steps([DOWN, HANG])
    try:
        gateway = cluster.gateway(
            "gateway", *BASE_FLAGS, "--sync-timeout", "60s", *contract_flags(blob_timeout=f"{BLOB_TIMEOUT:.0f}s"))
        base, key = cluster.base_url(gateway), cluster.key()
        run = Run(base, key, still, answers)

        # Two v1 calls first, so their jobs render first (their uploads pass); the gateway's reads
        # of their videos meet the bucket's failures.
        v1 = []

        def sync_call():
            response = answers.call(
                "POST", f"{base}/v1/{MODEL}", "v1", limit=60, headers={"x-api-key": key},
                json={"start_image_url": still, **JOB})
            v1.append((time.time(), response))
        threads = [threading.Thread(target=sync_call) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.time() + 30
        while open(gateway.log_path).read().count("accepted request") < 2 and time.time() < deadline:
            time.sleep(0.05)

        for _ in range(JOBS):
            run.submit()
        run.wait(timeout=300)
        for thread in threads:
            thread.join(90)
        problems += run.stuck_problems()

        # Each job against what its uploads met.
        uploads = {}
        for entry in proxy.entries("upload"):
            uploads.setdefault(job_id_of(entry["key"]), []).append(entry)
        outcomes = {"pass": 0, "flaky": 0, "down": 0, "hang": 0}
        gaps, hang_waits, released = [], [], []
        for request_id in run.ids:
            body, tries = run.results.get(request_id), sorted(uploads.get(request_id, []), key=lambda e: e["t"])
            if not body or not tries:
                if body:
                    problems.append(f"request {request_id} ended {body['status']} with no upload seen")
                continue
            steps = proxy.assigned[("upload", request_id)]
            keys = sorted({e["key"] for e in tries})
            gaps += [b["t"] - a["end"] for a, b in zip(tries, tries[1:]) if a["key"] == b["key"]]
            if steps in (FLAKY, FLAKY_3):
                outcomes["flaky"] += 1
                want = len(steps)
                if body["status"] != "COMPLETED":
                    problems.append(f"request {request_id}: its upload failed {want - 1} times then would have "
                                    f"passed, but it ended {body['status']}: {body.get('error')!r} "
                                    f"({len(tries)} tries of {keys})")
                elif len(tries) != want or body["metrics"]["retry_count"] != 0:
                    problems.append(f"request {request_id}: {len(tries)} tries of its upload and retry_count "
                                    f"{body['metrics']['retry_count']}; want {want} tries within one attempt")
            elif steps in (DOWN, HANG):
                outcomes["down" if steps == DOWN else "hang"] += 1
                if body["metrics"]["retry_count"]:
                    released.append(request_id)
                if steps == HANG:
                    hang_waits += [e.get("gave_up_after") for e in tries]
                took = run.ended_at[request_id] - tries[0]["t"]
                if body["status"] == "COMPLETED":
                    if all(e["step"] != "pass" for e in tries):
                        problems.append(f"request {request_id} COMPLETED though no upload of it passed")
                elif not bucket_reason(body.get("error")):
                    problems.append(f"request {request_id} FAILED without naming the bucket or the upload: "
                                    f"{body.get('error')!r}")
                if body["status"] == "FAILED" and took > BUCKET_BOUND:
                    problems.append(f"request {request_id} ended {took:.1f} s after its first upload try into a "
                                    f"{'hanging' if steps == HANG else 'failing'} bucket (bound {BUCKET_BOUND:.1f} s)")
                if len(tries) > RETRIES + 1:
                    problems.append(f"request {request_id}: {len(tries)} upload tries ({keys}), over 1 + {RETRIES}")
                if steps == DOWN and len(tries) != RETRIES + 1:
                    problems.append(f"request {request_id}: {len(tries)} upload tries ({keys}) into a failing "
                                    f"bucket; want 1 + {RETRIES} retries")
                elif steps == DOWN:
                    # Backoff of about 0.5 s, 1 s, 2 s between the tries (some jitter allowed).
                    waits = [b["t"] - a["end"] for a, b in zip(tries, tries[1:])]
                    if min(waits) < 0.25 or waits[-1] < waits[0] or not 0.6 * BACKOFF <= sum(waits) <= 2 * BACKOFF:
                        problems.append(f"request {request_id}: waits between its upload tries were "
                                        f"{', '.join(f'{w:.2f}' for w in waits)} s; want a backoff of about "
                                        "0.5, 1 and 2 s")
            else:
                outcomes["pass"] += 1
                if body["status"] != "COMPLETED":
                    problems.append(f"request {request_id}: its upload passed, but it ended {body['status']}: "
                                    f"{body.get('error')!r}")
        for wait in hang_waits:
            if wait is None or wait > BLOB_TIMEOUT + 1.5:
                problems.append(f"an upload into the hanging bucket was held {'until the end' if wait is None else f'{wait:.1f} s'}"
                                f"; --blob-timeout is {BLOB_TIMEOUT:.0f} s")
        if min(outcomes["flaky"], outcomes["down"], outcomes["hang"]) == 0:
            problems.append(f"not every fault was met (jobs per fault: {outcomes})")

        # The v1 reads while the bucket fails: 503 JSON, within the bound after the first read.
        reads = proxy.entries("read")
        read_times = []
        for answered, response in v1:
            if response is None:
                continue  # recorded as no answer
            request_id = response.headers.get("x-request-id", "")
            keys = [e for e in reads if request_id and request_id in e["key"]]
            if response.status_code != 503:
                problems.append(f"v1 request {request_id or '?'}: reading its video from the failing bucket answered "
                                f"{response.status_code} {response.text[:200]!r}; want 503 JSON")
            if not keys:
                upload_steps = [e["step"] for e in proxy.entries("upload") if request_id and request_id in e["key"]]
                problems.append(f"v1 request {request_id or '?'}: the gateway never read its video (uploads {upload_steps})")
                continue
            read_times.append(answered - min(e["t"] for e in keys))
            if read_times[-1] > BUCKET_BOUND:
                problems.append(f"v1 request {request_id}: answered {read_times[-1]:.1f} s after its first read "
                                f"(bound {BUCKET_BOUND:.1f} s)")
        problems += answers.problems()
        problems += run.download_problems()

        line = (f"{run.tally()}; uploads: {outcomes['pass']} passing, {outcomes['flaky']} flaky (2-3 faults each), "
                f"{outcomes['down']} failing, {outcomes['hang']} hanging (held {_seconds(hang_waits)} a try), "
                f"{len(released)} of those leased again while still uploading; "
                f"waits between tries {_seconds(gaps)}; {len(v1)} v1 reads while the bucket fails: "
                f"{answers.tally('v1')}, answered {_seconds(read_times)} after the first read; "
                f"{time.time() - started:.0f} s")
        finish("bucket", line, problems, cluster)
    finally:
        cluster.close()
        proxy.close()


def _seconds(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{min(values):.1f}-{max(values):.1f} s"


# --- 4. A webhook receiver that hangs -------------------------------------------------------------

WEBHOOK_TIMEOUT = 2.0
# The first retry comes 10 s after a failed attempt (the gateway's fixed schedule).
WEBHOOK_RETRY = 10.0


def test_webhook_receiver_hangs(still):
    started = time.time()
    healthy, hanging = Receiver(), Receiver(hang=True)
    cluster = Cluster(prefix="zoetrope-chaos-webhook-")
    answers, problems = Answers(), []
    try:
        gateway = cluster.gateway(
            "gateway", *BASE_FLAGS, *contract_flags(webhook_timeout=f"{WEBHOOK_TIMEOUT:.0f}s"))
        base, key = cluster.base_url(gateway), cluster.key()
        secret = answers.call("GET", f"{base}/v1/webhooks/secret", "secret", headers={"x-api-key": key}).json()["secret"]
        run = Run(base, key, still, answers)
        to_hanging = []
        for i in range(JOBS):
            if i % 4 == 0:
                to_hanging.append(run.submit(webhook=f"{hanging.url}/hook/{i}"))
            else:
                run.submit(webhook=f"{healthy.url}/hook/{i}")
        assert len(run.ids) == JOBS, answers.problems()
        run.wait(timeout=240)
        problems += run.stuck_problems()

        # Every healthy delivery in, and the first hanging one retried.
        def delivered():
            got = {as_json(d["body"]).get("request_id") for d in healthy.received() if as_json(d["body"])}
            first = [d for d in hanging.received() if d["path"] == "/hook/0"]
            return got >= set(run.ids) - set(to_hanging) and len(first) >= 2
        deadline = time.time() + WEBHOOK_TIMEOUT + WEBHOOK_RETRY + 15
        while not delivered() and time.time() < deadline:
            time.sleep(0.2)

        database = cluster.database_url.removeprefix("sqlite:")
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
            completed_at = dict(db.execute("SELECT id, completed_at FROM jobs"))
        for request_id in run.ids:
            body = run.results.get(request_id)
            if body and body["status"] != "COMPLETED":
                problems.append(f"request {request_id} ended {body['status']}: {body.get('error')!r}")

        # Healthy receiver: each delivery on time, signed, whatever the hanging one does meanwhile.
        hanging_windows = [(d["t"], d["t"] + (d.get("gave_up_after") or (time.time() - d["t"])))
                           for d in hanging.received()]
        late, during_hang = [], 0
        for delivery in healthy.received():
            body = as_json(delivery["body"]) or {}
            request_id = body.get("request_id")
            if request_id not in completed_at:
                problems.append(f"a webhook for an unknown request: {delivery['body'][:200]!r}")
                continue
            headers = {k.lower(): v for k, v in delivery["headers"].items()}
            stamp = headers.get("x-zoetrope-timestamp", "")
            expected = "v1=" + hmac.new(secret.encode(), f"{stamp}.".encode() + delivery["body"], hashlib.sha256).hexdigest()
            if headers.get("x-zoetrope-signature") != expected:
                problems.append(f"request {request_id}: the webhook's signature does not verify")
            lateness = delivery["t"] - completed_at[request_id]
            late.append(lateness)
            if any(start <= completed_at[request_id] < end for start, end in hanging_windows):
                during_hang += 1
            if lateness > WEBHOOK_TIMEOUT:
                problems.append(f"request {request_id}: its webhook to the healthy receiver came {lateness:.1f} s "
                                "after the job ended")
        missing = set(run.ids) - set(to_hanging) - {
            (as_json(d["body"]) or {}).get("request_id") for d in healthy.received()}
        for request_id in missing:
            problems.append(f"request {request_id}: no webhook reached the healthy receiver")
        if during_hang == 0:
            problems.append("no healthy delivery was due while a hanging one was open (the fault was not exercised)")

        # Hanging receiver: each attempt cut after the webhook timeout, and retried.
        held = [d.get("gave_up_after") for d in hanging.received()]
        now = time.time()
        for delivery in hanging.received():
            wait = delivery.get("gave_up_after")
            open_for = wait if wait is not None else now - delivery["t"]
            if open_for > WEBHOOK_TIMEOUT + 1.5:
                problems.append(f"a delivery to the hanging receiver ({delivery['path']}) was held "
                                f"{open_for:.1f} s{'' if wait is not None else ' and is still open'}; "
                                f"--webhook-timeout is {WEBHOOK_TIMEOUT:.0f} s")
        first = sorted(d["t"] for d in hanging.received() if d["path"] == "/hook/0")
        retried_after = first[1] - first[0] if len(first) >= 2 else None
        if retried_after is None:
            problems.append(f"the first delivery to the hanging receiver was not retried within "
                            f"{WEBHOOK_TIMEOUT + WEBHOOK_RETRY + 15:.0f} s")
        for request_id in to_hanging:
            # Its first attempt may still be open: it is recorded once cut.
            give_up = time.time() + WEBHOOK_TIMEOUT + 3
            while True:
                log = answers.call("GET", f"{base}/v2/requests/{request_id}/webhooks", "webhooks",
                                   headers={"x-api-key": key})
                deliveries = log.json().get("deliveries", []) if log is not None and log.status_code == 200 else []
                attempts = [a for d in deliveries for a in d.get("attempts", [])]
                if attempts or time.time() > give_up:
                    break
                time.sleep(0.25)
            if not attempts or any(a.get("status_code") for a in attempts) or not all(a.get("error") for a in attempts):
                problems.append(f"request {request_id}: its webhook log does not show failed attempts: {deliveries}")
            elif any(d.get("state") == "delivered" for d in deliveries):
                problems.append(f"request {request_id}: a hanging receiver's delivery is marked delivered")
        problems += answers.problems()
        problems += run.download_problems()

        line = (f"{run.tally()}; {len(late)} deliveries to the healthy receiver, {_seconds(late)} after their job "
                f"ended ({during_hang} due while a hanging one was open); {len(hanging.received())} attempts to the "
                f"hanging receiver for {len(to_hanging)} jobs, each held {_seconds(held)}, the first retried "
                f"{'never' if retried_after is None else f'after {retried_after:.1f} s'}; {time.time() - started:.0f} s")
        finish("webhook-hang", line, problems, cluster)
    finally:
        cluster.close()
        healthy.close()
        hanging.close()
