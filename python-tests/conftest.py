"""Fixtures for the official `segmind` SDK compatibility tests: a real Zoetrope server started
from the built binary on a free loopback port, and a loopback web server holding test images;
the stub of a hosted Segmind-compatible API the upstream tests share; and the chaos suite's
summary lines at the end of the report."""

import functools
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

import httpx
import pytest

ZOETROPE_BIN = os.environ.get("ZOETROPE_BIN", ".build/release/zoetrope")


@pytest.fixture(scope="session")
def zoetrope():
    """Starts `zoetrope serve --port 0` in a temporary data directory; yields (base_url, api_key)."""
    data_dir = tempfile.mkdtemp(prefix="zoetrope-sdk-")
    created = subprocess.run(
        [ZOETROPE_BIN, "keys", "create", "--name", "sdk-tests", "--data-dir", data_dir],
        check=True, capture_output=True, text=True,
    )
    api_key = created.stdout.strip().splitlines()[-1]
    log_path = os.path.join(data_dir, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen(
        [ZOETROPE_BIN, "serve", "--port", "0", "--data-dir", data_dir, "--allow-private-inputs"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = None
    deadline = time.time() + 60
    while time.time() < deadline and base_url is None:
        if server.poll() is not None:
            raise RuntimeError("zoetrope serve exited:\n" + open(log_path).read())
        match = re.search(r"public URL (http://\S+)", open(log_path).read())
        if match:
            base_url = match.group(1)
        else:
            time.sleep(0.1)
    if base_url is None:
        server.kill()
        raise RuntimeError("zoetrope serve did not start:\n" + open(log_path).read())
    assert httpx.get(base_url + "/healthz").status_code == 200
    yield base_url, api_key
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def image_url():
    """Serves a JPEG test card made by ffmpeg from a loopback web server; yields its URL."""
    directory = tempfile.mkdtemp(prefix="zoetrope-images-")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=1280x720", "-frames:v", "1",
         os.path.join(directory, "photo.jpg")],
        check=True,
    )
    with open(os.path.join(directory, "broken.jpg"), "wb") as handle:
        handle.write(b"these bytes are not an image")

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=directory))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def stub():
    """A stub of a hosted Segmind-compatible API on a loopback port (upstream_stub.py)."""
    from upstream_stub import UpstreamStub

    stub = UpstreamStub()
    yield stub
    stub.close()


def pytest_terminal_summary(terminalreporter):
    """The chaos suite's summary lines (test_chaos.py), shown without `-s`."""
    chaos = sys.modules.get("chaos")
    if chaos is not None and chaos.LINES:
        terminalreporter.section("chaos")
        for line in chaos.LINES:
            terminalreporter.write_line(line)
