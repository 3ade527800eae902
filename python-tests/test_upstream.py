"""Models served through an upstream (`zoetrope serve --upstream NAME=URL --route MODEL=…`), with a
real gateway process from the release binary against a stub of a hosted Segmind-compatible API
(upstream_stub.py): every path of a job's life there (QUEUED → PROCESSING → COMPLETED, FAILED,
expired, 429 with its reset header, 5xx blips, a slow job cancelled, the key rotated, the credits
gone, the upstream unreachable), the official segmind SDK unchanged against the gateway, and the
flag values `serve` refuses. test_upstream_gateways.py has the tests of several gateways."""

import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time

import httpx
import pytest
from segmind import InferenceFailed, SegmindClient

from cluster import MODEL, ZOETROPE_BIN, Cluster, assert_mp4, free_port, still_image, wait_all
from upstream_stub import FAST, PRICE

LTX = "ltx-2-image2video"


@pytest.fixture(scope="module")
def still():
    return still_image()


class Routed:
    """A gateway whose Kling model runs only on the stub, and whose LTX-2 model only on an
    upstream that is not there (a closed port); with a plain key and a metered one."""

    def __init__(self, stub):
        self.cluster = Cluster(prefix="zoetrope-upstream-", environment={
            "ZOETROPE_UPSTREAM_KEY_STUB": stub.key, "ZOETROPE_UPSTREAM_KEY_DOWN": "down-key-9876543210"})
        self.gateway = self.cluster.gateway(
            "gateway", "--upstream", f"stub={stub.base}", "--upstream", f"down=http://127.0.0.1:{free_port()}/v1",
            "--route", f"{MODEL}=upstream:stub", "--route", f"{LTX}=upstream:down", *FAST)
        self.base = self.cluster.base_url(self.gateway)
        self.key = self.cluster.key()
        self.metered = self.cluster.key("--credits", "10")

    def submit(self, prompt, still, key=None, model=MODEL, **extra):
        answer = httpx.post(f"{self.base}/v2/{model}", headers={"x-api-key": key or self.key}, timeout=60,
                            json={"prompt": prompt, "start_image_url": still, "duration": 3, **extra})
        assert answer.status_code == 200, answer.text
        return answer.json()["request_id"]

    def result(self, request_id, key=None):
        return wait_all([self.base], key or self.key, [request_id], self.cluster, timeout=60)[request_id]

    def credits(self, key):
        return httpx.get(f"{self.base}/v1/get-user-credits", headers={"x-api-key": key}).json()["credits"]


@pytest.fixture(scope="module")
def routed(stub):
    routed = Routed(stub)
    yield routed
    routed.cluster.close()


def test_a_job_goes_queued_processing_completed_and_keeps_its_video(routed, stub, still):
    models = {m["slug"]: m for m in httpx.get(routed.base + "/v1/models").json()["models"]}
    assert models[MODEL]["engine"] == "upstream" and models[MODEL]["upstream"] == {"name": "stub", "slug": MODEL}
    assert "voice_ids" not in models[MODEL]["parameters"]["properties"]
    assert models["kling-create-voice"]["engine"] == "voice" and "upstream" not in models["kling-create-voice"]

    before = routed.credits(routed.metered)
    request_id = routed.submit("a slow push in", still, key=routed.metered)
    seen = set()
    deadline = time.time() + 30
    while time.time() < deadline:
        status = httpx.get(f"{routed.base}/v2/requests/{request_id}/status", headers={"x-api-key": routed.metered}).json()
        seen.add(status["status"])
        if status["status"] == "COMPLETED":
            break
        time.sleep(0.05)
    body = routed.result(request_id, key=routed.metered)
    assert body["status"] == "COMPLETED", body
    assert "PROCESSING" in seen, seen
    # The submit: the validated parameters, the input inline (the gateway has no public URL),
    # an idempotency key from the job, the operator's key.
    [submit] = stub.submits_for("a slow push in")
    assert submit["slug"] == MODEL
    assert submit["headers"]["Idempotency-Key"] == f"zoetrope-job-{request_id}"
    assert submit["headers"]["x-api-key"] == stub.key
    sent = submit["body"]
    assert sent["start_image_url"].startswith("data:image/jpeg;base64,")
    assert sent["duration"] == "3" and sent["aspect_ratio"] == "16:9" and sent["cfg_scale"] == 0.5
    assert "voice_ids" not in sent and "end_image_url" not in sent and isinstance(sent["seed"], int)
    # Metrics: the gateway's own, and the upstream's beside them (never its balance).
    upstream = body["metrics"]["upstream"]
    assert upstream["name"] == "stub" and upstream["request_id"] == stub.made_for("a slow push in")[0]["id"]
    assert upstream["inference_time"] == 0.7 and upstream["cost"] == PRICE and "remaining_credits" not in upstream
    assert body["metrics"]["cost"] == 0.3 and body["metrics"]["remaining_credits"] == before - 0.3
    assert routed.credits(routed.metered) == before - 0.3
    assert "plan" not in body
    # The video was copied at once: it outlives the upstream's copy.
    assert body["output"].startswith(routed.base) and body["last_frame_url"].startswith(routed.base)
    stub.delete_outputs()
    try:
        assert_mp4(body["output"])
        assert httpx.get(body["last_frame_url"]).content[:4] == b"\x89PNG"
    finally:
        stub.deleted = False
    history = httpx.get(f"{routed.base}/v1/requests", headers={"x-api-key": routed.metered}).json()["requests"]
    assert [entry["request_id"] for entry in history] == [request_id]
    assert stub.key not in open(routed.gateway.log_path).read()


def test_a_failed_job_says_so_and_gives_its_credits_back(routed, stub, still):
    before = routed.credits(routed.metered)
    request_id = routed.submit("[fail] a slow push in", still, key=routed.metered)
    body = routed.result(request_id, key=routed.metered)
    assert body["status"] == "FAILED" and body["error"] == "upstream: the model could not animate this image", body
    status = httpx.get(f"{routed.base}/v2/requests/{request_id}/status", headers={"x-api-key": routed.metered})
    assert status.status_code == 422 and status.json()["error"].startswith("upstream: ")
    assert routed.credits(routed.metered) == before


def test_an_expired_request_fails(routed, still):
    body = routed.result(routed.submit("[expire] a push in", still))
    assert body["status"] == "FAILED"
    assert body["error"] == "upstream: the request expired on the service that runs this model before its result was collected"


def test_a_rate_limit_is_waited_out_as_the_headers_say(routed, stub, still):
    body = routed.result(routed.submit("[ratelimit] a push in", still))
    assert body["status"] == "COMPLETED", body
    [made] = stub.made_for("[ratelimit]")
    polls = stub.polls_of(body["metrics"]["upstream"]["request_id"])
    # The first poll was the 429; the next came no sooner than x-rate-limit-reset-at-utc (1.5 s,
    # later than Retry-After's 1 s).
    assert polls[1]["at"] >= made["reset_at"] - 0.05, (polls[:2], made["reset_at"])


def test_5xx_blips_are_retried_and_the_submit_is_made_once(routed, stub, still):
    body = routed.result(routed.submit("[blip] a push in", still))
    assert body["status"] == "COMPLETED", body
    assert len(stub.submits_for("[blip]")) == 2 and len(stub.made_for("[blip]")) == 1
    assert len(stub.polls_of(body["metrics"]["upstream"]["request_id"])) >= 3


def test_cancelling_a_slow_job_stops_the_polling(routed, stub, still):
    stub.slow_seconds = 30
    request_id = routed.submit("[slow] a long take", still)
    deadline = time.time() + 20
    while time.time() < deadline and not stub.made_for("[slow] a long take"):
        time.sleep(0.1)
    time.sleep(1)
    upstream_id = json.loads(upstream_record(routed, request_id))["request_id"]
    assert stub.polls_of(upstream_id), "the gateway never polled"
    cancelled = httpx.post(f"{routed.base}/v2/requests/{request_id}/cancel", headers={"x-api-key": routed.key})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    time.sleep(2.5)
    polls = len(stub.polls_of(upstream_id))
    time.sleep(2)
    assert len(stub.polls_of(upstream_id)) == polls
    stub.slow_seconds = 6.0


def upstream_record(routed, request_id):
    """The job's `upstream` column, read from the gateway's SQLite file."""
    with sqlite3.connect(routed.cluster.database_url.removeprefix("sqlite:")) as database:
        return database.execute("SELECT upstream FROM jobs WHERE id = ?", (request_id,)).fetchone()[0]


def upstream_health(routed, name):
    return httpx.get(routed.base + "/readyz").json()["upstreams"][name]


def finished_while(routed, stub, still, attribute, value, prompt):
    """The result of a job submitted while the stub's `attribute` is `value` (set back afterwards)."""
    kept = getattr(stub, attribute)
    setattr(stub, attribute, value)
    try:
        return routed.result(routed.submit(prompt, still))
    finally:
        setattr(stub, attribute, kept)


def test_a_rotated_key_and_spent_credits_fail_jobs_without_telling_the_key_or_account(routed, stub, still):
    key = stub.key
    body = finished_while(routed, stub, still, "key", "rotated-key-abcdef", "after the rotation")
    assert body["status"] == "FAILED"
    assert body["error"] == "upstream: the service that runs this model refused this gateway's credentials; the operator has been told"
    ready = httpx.get(routed.base + "/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["upstreams"]["stub"]["status"] == "key_refused"
    metrics = httpx.get(routed.base + "/metrics").text
    assert re.search(r'zoetrope_upstream_failures_total\{upstream="stub",reason="key_refused"\} [1-9]', metrics), metrics
    assert re.search(r'zoetrope_upstream_up\{upstream="stub"\} 0', metrics), metrics
    assert "refuses this gateway's API key" in open(routed.gateway.log_path).read()

    body = finished_while(routed, stub, still, "credits", 0.2, "with no credit left")
    assert body["status"] == "FAILED"
    assert body["error"] == "upstream: the service that runs this model has no credit left for this gateway; the operator has been told"
    assert upstream_health(routed, "stub")["status"] == "out_of_credits"
    for text in (json.dumps(body), open(routed.gateway.log_path).read()):
        assert "acct-42" not in text and key not in text and "rotated-key-abcdef" not in text

    # Fixed: the next job runs, and the upstream is well again.
    assert routed.result(routed.submit("after the fix", still))["status"] == "COMPLETED"
    assert upstream_health(routed, "stub")["status"] == "ok"
    assert re.search(r'zoetrope_upstream_up\{upstream="stub"\} 1', httpx.get(routed.base + "/metrics").text)


def test_an_unreachable_upstream_fails_the_job_after_its_patience(routed, still):
    started = time.time()
    body = routed.result(routed.submit("nobody home", still, model=LTX))
    assert body["status"] == "FAILED"
    assert body["error"] == "upstream: the service that runs this model could not be reached; try again later"
    assert time.time() - started >= 2
    health = upstream_health(routed, "down")
    assert health["status"] == "unreachable" and "down-key" not in health.get("error", "")
    assert re.search(r'zoetrope_upstream_failures_total\{upstream="down",reason="unreachable"\} [1-9]',
                     httpx.get(routed.base + "/metrics").text)


def test_voice_ids_are_refused_for_a_routed_model(routed, still):
    answer = httpx.post(f"{routed.base}/v2/{MODEL}", headers={"x-api-key": routed.key},
                        json={"prompt": "hi", "start_image_url": still, "voice_ids": ["voice_x"]})
    assert answer.status_code == 400 and answer.json()["error"].startswith("voice_ids cannot be used with")


def test_the_official_sdk_unchanged_while_its_jobs_run_upstream(routed, stub, still):
    client = SegmindClient(api_key=routed.key, base_url=routed.base + "/v1")
    result = client.run(MODEL, prompt="the sdk's push in", start_image_url=still, duration="3")
    assert result["status"] == "COMPLETED" and result["metrics"]["upstream"]["name"] == "stub"
    assert_mp4(result["output"])
    response = client.run_sync(MODEL, prompt="the sdk's sync push in", start_image_url=still, duration=3)
    assert response.headers["content-type"] == "video/mp4" and response.content == open(stub.mp4, "rb").read()
    job = client.submit_async(MODEL, prompt="[fail] the sdk's failing push in", start_image_url=still)
    with pytest.raises(InferenceFailed) as failure:
        job.wait(timeout=60, interval=0.2)
    assert failure.value.detail == "upstream: the model could not animate this image"
    assert len(stub.submits_for("the sdk's")) == 3


@pytest.mark.parametrize("flags, message", [
    (["--route", "nope=upstream:stub"], "there is no model 'nope'"),
    (["--route", f"{MODEL}=upstream:other"], "there is no upstream 'other'"),
    (["--route", f"{MODEL}=local+upstream:stub"], "needs the wait before the upstream takes a job"),
    (["--route", "kling-create-voice=upstream:stub"], "only video models can be routed"),
    (["--upstream", "two=ftp://example.com"], "is not an http(s) base URL"),
    (["--upstream", "nokey=https://example.com"], "has no API key; set ZOETROPE_UPSTREAM_KEY_NOKEY"),
    (["--upstream-key-file", "stub=/nonexistent/key"], "the key file of 'stub' cannot be read"),
])
def test_serve_refuses_routes_and_upstreams_that_cannot_work(flags, message):
    data = tempfile.mkdtemp(prefix="zoetrope-upstream-refusal-")
    done = subprocess.run(
        [ZOETROPE_BIN, "serve", "--port", "0", "--data-dir", data, "--upstream", "stub=http://127.0.0.1:9", *flags],
        capture_output=True, text=True, timeout=30, env=dict(os.environ, ZOETROPE_UPSTREAM_KEY_STUB="k"))
    assert done.returncode != 0 and message in done.stderr, done.stderr
