"""The `zoetrope generate / wait / status` commands against a real server, as a user runs them
from a script (stderr is a pipe here, so progress comes as plain lines)."""

import json
import os
import re
import subprocess
import tempfile

from conftest import ZOETROPE_BIN


def cli(zoetrope, *args, timeout=300):
    base_url, api_key = zoetrope
    env = dict(os.environ, ZOETROPE_BASE_URL=base_url, ZOETROPE_API_KEY=api_key)
    return subprocess.run([ZOETROPE_BIN, *args], env=env, capture_output=True, text=True, timeout=timeout)


def picture(directory):
    path = os.path.join(directory, "start.png")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=640x360", "-frames:v", "1", path],
                   check=True)
    return path


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", path],
                         check=True, capture_output=True, text=True).stdout
    return {s["codec_type"]: s for s in json.loads(out)["streams"]}


def test_generate_writes_a_valid_mp4_with_line_progress(zoetrope):
    with tempfile.TemporaryDirectory() as directory:
        output = os.path.join(directory, "out.mp4")
        done = cli(zoetrope, "generate", "--image", picture(directory), "--prompt", 'slow push in; she says "hello"',
                   "--duration", "3", "--aspect", "9:16", "-o", output)
        assert done.returncode == 0, done.stderr
        streams = probe(output)
        assert (streams["video"]["width"], streams["video"]["height"]) == (1080, 1920)
        assert int(streams["video"]["nb_read_frames"]) == 72
        assert streams["audio"]["codec_name"] == "aac"
        # Not a terminal: whole lines, no carriage-return redraws, a line per state.
        assert "\r" not in done.stderr
        lines = done.stderr.splitlines()
        assert re.match(r"submitted request [0-9a-f-]{36}$", lines[0])
        assert any(line.startswith("status=PROCESSING progress=") for line in lines)
        assert lines[-1].startswith("status=COMPLETED progress=100%")
        assert done.stdout.startswith("saved " + output)
        # No temporary file is left beside the output.
        assert set(os.listdir(directory)) == {"start.png", "out.mp4"}


def test_multi_shot_and_no_audio(zoetrope):
    with tempfile.TemporaryDirectory() as directory:
        output = os.path.join(directory, "shots.mp4")
        done = cli(zoetrope, "generate", "--image", picture(directory), "--shot", "pan left", "--shot-duration", "2",
                   "--shot", "push in", "--shot-duration", "2", "--no-audio", "-o", output)
        assert done.returncode == 0, done.stderr
        streams = probe(output)
        assert int(streams["video"]["nb_read_frames"]) == 96
        assert "audio" not in streams


def test_exit_codes(zoetrope):
    with tempfile.TemporaryDirectory() as directory:
        image = picture(directory)
        # 2: usage (a missing flag), and parameters the server refuses.
        usage = cli(zoetrope, "generate", "--image", image, "-o", os.path.join(directory, "x.mp4"))
        assert usage.returncode == 2
        assert "--prompt" in usage.stderr
        refused = cli(zoetrope, "generate", "--image", image, "--prompt", "x", "--duration", "20",
                      "-o", os.path.join(directory, "x.mp4"))
        assert refused.returncode == 2
        assert "duration" in refused.stderr
        # 1: the job failed (not a picture), with the server's reason.
        junk = os.path.join(directory, "junk.png")
        open(junk, "w").write("not a picture")
        failed = cli(zoetrope, "generate", "--image", junk, "--prompt", "x", "--duration", "3",
                     "-o", os.path.join(directory, "x.mp4"))
        assert failed.returncode == 1
        assert "start_image_url" in failed.stderr
        assert not os.path.exists(os.path.join(directory, "x.mp4"))
        # 3: timed out; the message says how to resume, and resuming saves the video.
        output = os.path.join(directory, "later.mp4")
        timed_out = cli(zoetrope, "generate", "--image", image, "--prompt", "x", "--duration", "3",
                        "--timeout", "0.3", "--interval", "0.1", "-o", output)
        assert timed_out.returncode == 3, timed_out.stderr
        resume = re.search(r"zoetrope wait ([0-9a-f-]{36}) -o " + re.escape(output), timed_out.stderr)
        assert resume, timed_out.stderr
        request_id = resume.group(1)
        waited = cli(zoetrope, "wait", request_id, "-o", output)
        assert waited.returncode == 0, waited.stderr
        assert int(probe(output)["video"]["nb_read_frames"]) == 72
        status = cli(zoetrope, "status", request_id)
        assert status.returncode == 0
        assert status.stdout.strip() == f"{request_id}: COMPLETED 100%"
        assert json.loads(cli(zoetrope, "status", request_id, "--json").stdout)["status"] == "COMPLETED"
        unknown = cli(zoetrope, "status", "no-such-request")
        assert unknown.returncode == 1
        assert "not found" in unknown.stderr
