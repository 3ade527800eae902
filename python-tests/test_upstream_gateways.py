"""Models served through an upstream, with several real gateway processes from the release binary:
a gateway killed with SIGKILL mid-job resumes polling the stub's request and never submits it
twice (SQLite: started again on its data; PostgreSQL and S3: the other of two gateways finishes
it); the overflow from a busy local render slot goes upstream only once its wait is over; and a
second Zoetrope gateway serves as the upstream of the first, rendering the MP4 the first keeps."""

import json
import os
import signal
import subprocess
import tempfile
import time

import httpx
import pytest

from cluster import MODEL, ZOETROPE_BIN, Cluster, assert_mp4, free_port, mp4_problem, psql, still_image, wait_all
from upstream_stub import FAST

ADMIN_URL = os.environ.get("ZOETROPE_TEST_DATABASE_URL")
S3_ENDPOINT = os.environ.get("ZOETROPE_TEST_S3_ENDPOINT")


@pytest.fixture(scope="module")
def still():
    return still_image()


def result(base, key, request_id, cluster, timeout=90):
    """The request's result body once it has ended."""
    return wait_all([base], key, [request_id], cluster, timeout)[request_id]


def kill_test_cluster(kind, stub):
    environment = {"ZOETROPE_UPSTREAM_KEY_STUB": stub.key}
    if kind == "postgres":
        return Cluster(prefix="zoetrope-upstream-kill-", admin_url=ADMIN_URL, s3_endpoint=S3_ENDPOINT,
                       environment=environment)
    return Cluster(prefix="zoetrope-upstream-kill-", environment=environment)


@pytest.mark.parametrize("kind", [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(
        not (ADMIN_URL and S3_ENDPOINT), reason="needs ZOETROPE_TEST_DATABASE_URL and ZOETROPE_TEST_S3_ENDPOINT")),
])
def test_a_gateway_killed_mid_job_resumes_polling_and_never_submits_twice(kind, stub, still):
    """SQLite: the gateway is killed and started again on its data. PostgreSQL and S3: two gateways
    share the queue, and the one that did not submit the job finishes it."""
    stub.slow_seconds = 4
    cluster = kill_test_cluster(kind, stub)
    flags = ["--upstream", f"stub={stub.base}", "--route", f"{MODEL}=upstream:stub", *FAST]
    try:
        first = cluster.gateway("first", *flags, lease="2s")
        base = cluster.base_url(first)
        second = cluster.gateway("second", *flags, lease="2s") if kind == "postgres" else None
        key = cluster.key("--credits", "10")
        answer = httpx.post(f"{base}/v2/{MODEL}", headers={"x-api-key": key}, timeout=60,
                            json={"prompt": f"[slow] killed mid-job on {kind}", "start_image_url": still, "duration": 3})
        request_id = answer.json()["request_id"]
        deadline = time.time() + 20
        while time.time() < deadline and not stub.made_for(f"killed mid-job on {kind}"):
            time.sleep(0.05)
        [made] = stub.made_for(f"killed mid-job on {kind}")
        upstream_id = made["id"]
        while time.time() < deadline and not stub.polls_of(upstream_id):
            time.sleep(0.05)
        # The gateway polling it dies without a word (PostgreSQL: whichever of the two leased it).
        if kind == "postgres":
            owner = psql(cluster.database_url, f"SELECT lease_owner FROM jobs WHERE id = '{request_id}'")
            victim = next(g for g in (first, second) if f"-{g.pid}-" in owner)
            base = cluster.base_url(second if victim is first else first)
        else:
            victim = first
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        if kind == "sqlite":
            base = cluster.base_url(cluster.gateway("again", *flags, data_dir=os.path.join(cluster.directory, "first"),
                                                    lease="2s"))
        body = result(base, key, request_id, cluster, timeout=60)
        assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
        assert len(stub.submits_for(f"killed mid-job on {kind}")) == 1
        assert body["metrics"]["retry_count"] == 1 and body["metrics"]["upstream"]["request_id"] == upstream_id
        # Charged once, here and there.
        assert httpx.get(f"{base}/v1/get-user-credits", headers={"x-api-key": key}).json()["credits"] == 10 - 0.3
        stub.delete_outputs()
        try:
            assert_mp4(body["output"])
        finally:
            stub.deleted = False
    finally:
        stub.slow_seconds = 6.0
        cluster.close()


def test_overflow_goes_upstream_only_once_the_wait_is_over(stub, still):
    """One local render slot, busy with a job whose input takes 4 s to arrive (and is no image):
    with a 2 s wait the next job goes upstream; with a 60 s wait it waits for the local slot."""
    stub.slow_seconds = 4
    try:
        for wait, prompt in ((2, "overflows upstream"), (60, "waits for the slot")):
            cluster = Cluster(prefix="zoetrope-upstream-overflow-", environment={"ZOETROPE_UPSTREAM_KEY_STUB": stub.key})
            try:
                gateway = cluster.gateway(
                    "gateway", "--concurrency", "1", "--upstream", f"stub={stub.base}",
                    "--route", f"{MODEL}=local+upstream:stub@{wait}", *FAST)
                base, key = cluster.base_url(gateway), cluster.key()
                models = {m["slug"]: m for m in httpx.get(base + "/v1/models").json()["models"]}
                assert models[MODEL]["engine"] == "motion"
                assert models[MODEL]["upstream"] == {"name": "stub", "slug": MODEL, "overflow_after_seconds": wait}

                def submit(text, image):
                    answer = httpx.post(f"{base}/v2/{MODEL}", headers={"x-api-key": key}, timeout=60, json={
                        "prompt": text, "start_image_url": image, "duration": 3, "aspect_ratio": "1:1",
                        "generate_audio": False})
                    assert answer.status_code == 200, answer.text
                    return answer.json()["request_id"]

                busy = submit(f"holds the slot ({prompt})", f"{stub.base}/slow-image")
                time.sleep(0.5)
                submitted = time.time()
                waiting = submit(prompt, still)
                body = result(base, key, waiting, cluster, timeout=90)
                assert body["status"] == "COMPLETED", f"{body}\n{cluster.logs()}"
                sent = stub.submits_for(prompt)
                if wait == 2:
                    assert len(sent) == 1 and sent[0]["at"] - submitted >= 2, sent
                    assert body["metrics"]["upstream"]["name"] == "stub" and "plan" not in body
                    # The busy job was still on the local slot when the overflow finished.
                    assert result(base, key, busy, cluster)["status"] == "FAILED"
                else:
                    assert sent == [] and "upstream" not in body["metrics"] and body["plan"]["engine"] == "motion"
                    assert result(base, key, busy, cluster)["error"].startswith("start_image_url")
                    assert_mp4(body["output"])
                assert stub.submits_for(f"holds the slot ({prompt})") == []
            finally:
                cluster.close()
    finally:
        stub.slow_seconds = 6.0


def test_a_second_zoetrope_gateway_as_the_upstream(still):
    """Gateway A serves Kling through gateway B (another Zoetrope, a real process), giving B signed
    links to its stored inputs (A has a public URL); B renders the MP4, A keeps it."""
    upstream = Cluster(prefix="zoetrope-upstream-b-")
    front = None
    try:
        b = upstream.gateway("zoetrope-b")
        b_base, b_key = upstream.base_url(b), upstream.key()
        port = free_port()
        front = Cluster(prefix="zoetrope-upstream-a-", environment={"ZOETROPE_UPSTREAM_KEY_ZB": b_key})
        a = front.spawn("zoetrope-a", [
            ZOETROPE_BIN, "serve", "--port", str(port), "--public-url", f"http://127.0.0.1:{port}",
            "--data-dir", os.path.join(front.directory, "a"), "--upstream", f"zb={b_base}/v1",
            "--route", f"{MODEL}=upstream:zb", *FAST])
        a_base, a_key = front.base_url(a), front.key()
        answer = httpx.post(f"{a_base}/v2/{MODEL}", headers={"x-api-key": a_key}, timeout=60, json={
            "prompt": "a slow push in", "start_image_url": still, "duration": 3, "aspect_ratio": "1:1",
            "generate_audio": False})
        request_id = answer.json()["request_id"]
        body = result(a_base, a_key, request_id, front, timeout=120)
        assert body["status"] == "COMPLETED", f"{body}\n{front.logs()}\n{upstream.logs()}"
        video = httpx.get(body["output"], timeout=60).content
        assert mp4_problem(video) is None
        with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
            handle.write(video)
            handle.flush()
            probe = json.loads(subprocess.run(
                ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", handle.name],
                check=True, capture_output=True, text=True).stdout)["streams"]
        assert [(s["codec_type"], s["width"], s["height"], s["nb_read_frames"]) for s in probe] == \
            [("video", 1080, 1080, "72")]
        # B made it: its own history holds the request, whose input was A's signed link.
        [made] = httpx.get(f"{b_base}/v1/requests", headers={"x-api-key": b_key}).json()["requests"]
        assert made["request_id"] == body["metrics"]["upstream"]["request_id"] and made["status"] == "COMPLETED"
        assert made["inputs"]["start_image_url"].startswith(f"http://127.0.0.1:{port}/files/in-{request_id}-")
        assert body["metrics"]["upstream"]["inference_time"] > 0
    finally:
        if front:
            front.close()
        upstream.close()
