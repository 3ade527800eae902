"""The worker protocol v2 fixture both sides load (Tests/Fixtures/worker-protocol-v2.json, also
read by the gateway's Swift tests): the assignments parse with this worker's protocol and request
types, and the messages it sends have the fixture's shape."""

import http.server
import json
import os
import threading

import pytest

from zoetrope_ltx.protocol import PROTOCOL_VERSION, Assignment, GatewayClient
from zoetrope_ltx.request import Input, RequestError, Shot, VideoRequest

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "worker-protocol-v2.json")


@pytest.fixture(scope="module")
def messages():
    with open(FIXTURE) as handle:
        return json.load(handle)


def test_the_video_assignment_parses_with_gateway_links_and_user_urls_told_apart(messages):
    assignment = Assignment.parse(messages["assignment_video"])
    assert assignment.protocol_version == PROTOCOL_VERSION == 2
    assert assignment.upload is not None and assignment.upload.key.endswith("-1.mp4")
    assert [voice.name for voice in assignment.voices] == ["Narrator"] and assignment.voices[0].espeak_pitch == 38
    request = VideoRequest.parse(assignment.request, assignment.inputs)
    assert request.start_image == Input(assignment.inputs["start_image_url"], gateway=True)
    assert request.end_image == Input("https://images.example.org/end.png", gateway=False)
    assert request.shots == [Shot('<<<voice_1>>> says "hello"', 2), Shot("the camera pushes in", 3)]
    assert (request.duration, request.aspect_ratio, request.cfg_scale, request.generate_audio) == (5, "16:9", 0.5, True)
    references = request.elements[0].reference_images
    assert [item.gateway for item in references] == [False, True]
    assert request.voice_ids == ("voice-5d41402abc4b2a76",)


def test_the_voice_assignment_is_refused_by_this_video_worker(messages):
    assignment = Assignment.parse(messages["assignment_voice"])
    assert assignment.upload is None and assignment.voices == ()
    with pytest.raises(RequestError, match="create-voice"):
        VideoRequest.parse(assignment.request, assignment.inputs)


@pytest.fixture
def recorder():
    """A loopback HTTP server that records each POST's path and JSON body, answering a lease with 204
    (no job) and anything else with 200."""
    sent = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            sent.append((self.path, body))
            self.send_response(204 if self.path.endswith("/lease") else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", sent
    server.shutdown()


def test_what_the_worker_sends_has_the_fixtures_shape(messages, recorder):
    base, sent = recorder
    client = GatewayClient(base, "token", "gpu-0-slot0")
    assert client.lease(["ltx-2-image2video", "kling-3-pro-image2video"], wait_seconds=20) is None
    assert client.heartbeat("job", 0.42)
    assert client.complete("job", messages["completion_video"]["output_key"])
    assert client.fail("job", messages["failure"]["error"])
    assert client.release("job")
    assert [path for path, _ in sent] == ["/v1/worker/lease"] + [
        f"/v1/worker/jobs/job/{call}" for call in ("heartbeat", "complete", "fail", "release")]
    assert [body for _, body in sent] == [messages[name] for name in
                                          ("lease_request", "heartbeat", "completion_video", "failure", "release")]


def test_the_request_reader_knows_every_parameter_the_registry_declares():
    """The gateway's OpenAPI document (written by `zoetrope openapi` from the model registry)
    declares the video models' parameters; this worker reads exactly those, so a parameter added
    to or renamed in the registry fails here until the worker follows."""
    import subprocess

    from zoetrope_ltx.request import VIDEO_FIELDS, VOICE_FIELDS

    binary = os.environ.get("ZOETROPE_BIN", os.path.join(os.path.dirname(FIXTURE), "..", "..", ".build", "release", "zoetrope"))
    document = json.loads(subprocess.run([binary, "openapi"], check=True, capture_output=True, text=True).stdout)
    schemas = document["components"]["schemas"]
    kling = set(schemas["Kling3ProImage2videoRequest"]["properties"])
    ltx = set(schemas["Ltx2Image2videoRequest"]["properties"])
    assert VIDEO_FIELDS == kling, f"worker only: {VIDEO_FIELDS - kling}; registry only: {kling - VIDEO_FIELDS}"
    assert ltx <= VIDEO_FIELDS and {"elements", "voice_ids"}.isdisjoint(ltx)
    assert VOICE_FIELDS == set(schemas["KlingCreateVoiceRequest"]["properties"])
    # The fixture's assignment request holds every declared parameter, as the gateway sends it.
    with open(FIXTURE) as handle:
        assert set(json.load(handle)["assignment_video"]["request"]) == kling


def test_stage_timings_go_with_the_completion_and_an_older_gateway_gets_it_without_them(messages):
    """The completion carries the render's stages as the fixture shows them; a gateway that predates
    the field refuses it by name (400), and the completion is sent again without it."""
    sent = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            sent.append(body)
            refused = "stages" in body
            payload = json.dumps({"error": "unknown field(s): stages"}).encode() if refused else b""
            self.send_response(400 if refused else 200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = GatewayClient(f"http://127.0.0.1:{server.server_address[1]}", "token", "gpu-0-slot0")
        timed = messages["completion_video_with_stages"]
        stages = {name.replace("_", " ") if name == "stage_1" else name: seconds
                  for name, seconds in timed["stages"].items()}
        assert client.complete("job", timed["output_key"], stages)
    finally:
        server.shutdown()
    assert sent == [timed, messages["completion_video"]]
