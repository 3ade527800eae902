"""The content policy with the real binary: a policy file reloaded on SIGHUP, the image hash list
filled by `zoetrope policy add-image` while the server runs, and what a client sees (the submit
answers 200; the status and result answer 422 "content policy: …" naming the field)."""

import base64
import json
import os
import re
import signal
import subprocess
import tempfile
import time

import httpx
import pytest

from conftest import ZOETROPE_BIN

MODEL = "kling-3-pro-image2video"


@pytest.fixture()
def policed():
    """A server with a policy file; yields (base_url, api_key, data_dir, policy_path, process)."""
    data_dir = tempfile.mkdtemp(prefix="zoetrope-policy-")
    policy_path = os.path.join(data_dir, "policy.json")
    with open(policy_path, "w") as handle:
        json.dump({"categories": [{"name": "birds", "action": "block", "terms": ["flamingo"]}]}, handle)
    created = subprocess.run(
        [ZOETROPE_BIN, "keys", "create", "--name", "policy-tests", "--data-dir", data_dir],
        check=True, capture_output=True, text=True)
    api_key = created.stdout.strip().splitlines()[-1]
    log_path = os.path.join(data_dir, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen(
        [ZOETROPE_BIN, "serve", "--port", "0", "--data-dir", data_dir, "--allow-private-inputs",
         "--content-policy", policy_path],
        stdout=log, stderr=subprocess.STDOUT)
    base_url = None
    deadline = time.time() + 60
    while time.time() < deadline and base_url is None:
        assert server.poll() is None, open(log_path).read()
        match = re.search(r"public URL (http://\S+)", open(log_path).read())
        if match:
            base_url = match.group(1)
        else:
            time.sleep(0.1)
    assert base_url, open(log_path).read()
    yield base_url, api_key, data_dir, policy_path, server
    server.terminate()
    server.wait(timeout=30)
    log.close()


def submit(base_url, api_key, body):
    reply = httpx.post(f"{base_url}/v2/{MODEL}", headers={"x-api-key": api_key}, json=body, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()["request_id"]


def wait_for_end(base_url, api_key, request_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        reply = httpx.get(f"{base_url}/v2/requests/{request_id}/status", headers={"x-api-key": api_key})
        body = reply.json()
        if body.get("status") in ("COMPLETED", "FAILED", "CANCELLED"):
            return reply
        time.sleep(0.2)
    raise AssertionError(f"request {request_id} did not end within {timeout} s")


def test_policy_file_reloads_on_sighup(policed):
    base_url, api_key, _, policy_path, server = policed
    blocked = wait_for_end(base_url, api_key, submit(base_url, api_key, {
        "prompt": "a F.L.A.M.I.N.G.O at dawn", "start_image_url": "aGVsbG8=", "duration": "3"}), timeout=30)
    assert blocked.status_code == 422
    assert blocked.json()["error"] == "content policy: birds (in prompt)"
    # Same size and modification second as before does not matter: SIGHUP reads it at once.
    with open(policy_path, "w") as handle:
        json.dump({"categories": [{"name": "fish", "action": "block", "terms": ["salmon"]}]}, handle)
    server.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while True:
        reply = wait_for_end(base_url, api_key, submit(base_url, api_key, {
            "prompt": "a leaping salmon", "start_image_url": "aGVsbG8=", "duration": "3"}), timeout=30)
        if reply.json().get("error") == "content policy: fish (in prompt)":
            break
        assert time.time() < deadline, "SIGHUP did not reload the policy file"
    assert server.poll() is None, "SIGHUP must not stop the server"


def test_listed_image_and_its_copy_are_blocked_an_unrelated_one_renders(policed, tmp_path):
    base_url, api_key, data_dir, _, _ = policed
    listed = tmp_path / "listed.jpg"
    copy = tmp_path / "copy.jpg"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=1280x720", "-frames:v", "1",
                    str(listed)], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(listed), "-vf",
                    "crop=iw*0.95:ih*0.95,scale=640:-2,hue=s=0.5", "-q:v", "15", str(copy)], check=True)
    added = subprocess.run(
        [ZOETROPE_BIN, "policy", "add-image", str(listed), "--category", "known bad", "--data-dir", data_dir],
        check=True, capture_output=True, text=True)
    assert "listed listed.jpg as known bad" in added.stdout
    listing = subprocess.run([ZOETROPE_BIN, "policy", "list-images", "--data-dir", data_dir],
                             check=True, capture_output=True, text=True)
    assert "known bad" in listing.stdout

    with open(copy, "rb") as handle:
        encoded = base64.b64encode(handle.read()).decode()
    blocked = wait_for_end(base_url, api_key, submit(base_url, api_key, {
        "prompt": "a slow push in", "start_image_url": "data:image/jpeg;base64," + encoded, "duration": "3"}))
    assert blocked.status_code == 422
    assert blocked.json()["error"] == "content policy: known bad (in start_image_url)"
    result = httpx.get(f"{base_url}/v2/requests/{blocked.json()['request_id']}", headers={"x-api-key": api_key})
    assert result.status_code == 422 and result.json()["status"] == "FAILED"

    # Another picture renders.
    unrelated = tmp_path / "other.jpg"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "mandelbrot=s=640x360", "-frames:v", "1",
                    str(unrelated)], check=True)
    with open(unrelated, "rb") as handle:
        other = base64.b64encode(handle.read()).decode()
    done = wait_for_end(base_url, api_key, submit(base_url, api_key, {
        "prompt": "a slow push in", "start_image_url": other, "duration": "3", "generate_audio": False}))
    assert done.status_code == 200 and done.json()["status"] == "COMPLETED", done.text

    admin = subprocess.run(
        [ZOETROPE_BIN, "keys", "create", "--name", "policy-admin", "--admin", "--data-dir", data_dir],
        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    events = httpx.get(f"{base_url}/v1/admin/policy/events", headers={"x-api-key": admin}).json()["events"]
    assert events[0]["source"] == "image" and events[0]["field"] == "start_image_url"
    metrics = httpx.get(f"{base_url}/metrics").text
    assert 'zoetrope_policy_blocks_total{category="known bad",source="image"} 1' in metrics
