"""Shared fixtures: a tiny random LTX-2 checkpoint written by the package itself, test images
made by ffmpeg and served on loopback, and ffprobe."""

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A diffusers-format checkpoint of tiny random components (`python -m zoetrope_ltx.tiny`)."""
    from zoetrope_ltx.tiny import save

    directory = str(tmp_path_factory.mktemp("tiny-ltx2"))
    save(directory)
    return directory


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """Two different pictures (start and end), as PNG files."""
    directory = tmp_path_factory.mktemp("images")
    paths = {}
    for name, source in (("start", "testsrc2=s=320x180"), ("end", "mandelbrot=s=320x180")):
        path = str(directory / f"{name}.png")
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", source, "-frames:v", "1", path], check=True)
        paths[name] = path
    return paths


@pytest.fixture
def web(tmp_path, images):
    """A loopback web server with a picture, a non-picture and a redirect to the picture."""
    shutil.copy(images["start"], tmp_path / "photo.png")
    (tmp_path / "broken.png").write_bytes(b"these bytes are not an image")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/hop":
                self.send_response(302)
                self.send_header("Location", "/photo.png")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def probe(path):
    """Each stream of an MP4 as ffprobe reports it, with decoded frame counts."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_type,codec_name,profile,width,height,pix_fmt,nb_read_frames,sample_rate,duration,r_frame_rate",
         "-show_entries", "format=format_name", "-of", "json", path],
        check=True, capture_output=True, text=True)
    info = json.loads(result.stdout)
    return {stream["codec_type"]: stream for stream in info["streams"]}
