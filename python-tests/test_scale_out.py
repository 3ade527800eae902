"""Scale-out, as operators run it: two gateways and two remote workers, each its own process,
sharing one PostgreSQL database and one S3-compatible bucket (moto behind a proxy that checks
AWS signatures). Needs ZOETROPE_TEST_DATABASE_URL and ZOETROPE_TEST_S3_ENDPOINT, which
`scripts/test.sh` sets (it starts both servers)."""

import json
import os
import re
import signal
import time

import httpx
import pytest

from cluster import Cluster, assert_mp4, psql, still_image, submit, wait_all

ADMIN_URL = os.environ.get("ZOETROPE_TEST_DATABASE_URL")
S3_ENDPOINT = os.environ.get("ZOETROPE_TEST_S3_ENDPOINT")

pytestmark = pytest.mark.skipif(
    not (ADMIN_URL and S3_ENDPOINT), reason="needs ZOETROPE_TEST_DATABASE_URL and ZOETROPE_TEST_S3_ENDPOINT")


class ScaleCluster(Cluster):
    """Gateways that render nothing themselves: every job goes to the remote workers."""

    def gateway(self, name, *flags):
        return super().gateway(name, "--no-local-runner", *flags)


@pytest.fixture
def cluster():
    cluster = ScaleCluster(prefix="zoetrope-scale-", admin_url=ADMIN_URL, s3_endpoint=S3_ENDPOINT)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def still():
    return still_image()


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
        cluster.zoetrope(f"worker-{i}", "worker", "--gateway", base, "--token", token, "--allow-private-inputs")
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
