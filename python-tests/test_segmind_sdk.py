"""The official `segmind` Python SDK (1.3.0), unchanged, against a Zoetrope server: only the
client's base_url differs from the product page's snippet."""

import json
import subprocess
import tempfile

import httpx
import pytest
from segmind import SegmindClient, InferenceFailed, InferenceTimeout
from segmind.exceptions import SegmindError
from segmind.v2 import AsyncJob

MODEL = "kling-3-pro-image2video"


def probe(mp4: bytes) -> dict:
    """ffprobe's view of an MP4: streams with decoded frame counts."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(mp4)
        handle.flush()
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", handle.name],
            check=True, capture_output=True, text=True,
        ).stdout
    return json.loads(out)


def client_for(zoetrope, key=None):
    base_url, api_key = zoetrope
    return SegmindClient(api_key=key or api_key, base_url=base_url + "/v1")


def test_product_page_snippet_submit_async_and_wait(zoetrope, image_url):
    client = client_for(zoetrope)
    payload = {
        "prompt": "The subject moves naturally with realistic physics and smooth camera motion.",
        "duration": "5",
        "cfg_scale": 0.5,
        "aspect_ratio": "16:9",
        "generate_audio": True,
        "negative_prompt": "blur, distort, and low quality",
        "start_image_url": image_url + "/photo.jpg",
    }
    job = client.submit_async("kling-3-pro-image2video", **payload)
    assert job.request_id
    result = job.wait(timeout=900, interval=2.0)
    assert result["status"] == "COMPLETED"
    assert result["request_id"] == job.request_id
    assert "metrics" in result
    # The output downloads with a plain GET and no API key.
    video = httpx.get(result["output"])
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    streams = {s["codec_type"]: s for s in probe(video.content)["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["profile"] == "High"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert (streams["video"]["width"], streams["video"]["height"]) == (1920, 1080)
    assert int(streams["video"]["nb_read_frames"]) == 120
    assert streams["audio"]["codec_name"] == "aac"
    assert streams["audio"]["sample_rate"] == "48000"


def test_run_submits_and_waits(zoetrope, image_url):
    client = client_for(zoetrope)
    result = client.run(MODEL, prompt="a slow push in", start_image_url=image_url + "/photo.jpg",
                        duration="3", aspect_ratio="1:1", generate_audio=False)
    assert result["status"] == "COMPLETED"
    video = httpx.get(result["output"])
    streams = probe(video.content)["streams"]
    assert [s["codec_type"] for s in streams] == ["video"]
    assert (streams[0]["width"], streams[0]["height"]) == (1080, 1080)
    assert int(streams[0]["nb_read_frames"]) == 72


def test_run_sync_returns_the_mp4(zoetrope, image_url):
    client = client_for(zoetrope)
    response = client.run_sync(MODEL, prompt="a slow push in", start_image_url=image_url + "/photo.jpg",
                                duration=3, aspect_ratio="9:16", generate_audio=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["x-request-id"]
    assert float(response.headers["x-generation-time"]) > 0
    stream = probe(response.content)["streams"][0]
    assert (stream["width"], stream["height"]) == (1080, 1920)
    assert int(stream["nb_read_frames"]) == 72


def test_undecodable_start_image_raises_inference_failed(zoetrope, image_url):
    client = client_for(zoetrope)
    job = client.submit_async(MODEL, prompt="x", start_image_url=image_url + "/broken.jpg", duration="3")
    with pytest.raises(InferenceFailed) as failure:
        job.wait(timeout=120, interval=0.5)
    assert "start_image_url" in failure.value.detail
    assert failure.value.status_body["status"] == "FAILED"
    # The result endpoint serves the FAILED body too (under 422), which the SDK reads.
    assert job.result()["status"] == "FAILED"


def test_tiny_timeout_raises_inference_timeout(zoetrope, image_url):
    client = client_for(zoetrope)
    job = client.submit_async(MODEL, prompt="x", start_image_url=image_url + "/photo.jpg", duration="3")
    with pytest.raises(InferenceTimeout) as timeout:
        job.wait(timeout=0.01, interval=0.01)
    assert timeout.value.request_id == job.request_id
    # The request id stays valid for re-polling later.
    assert job.status()["status"] in ("QUEUED", "PROCESSING", "COMPLETED")


def test_bad_key_is_401(zoetrope, image_url):
    client = client_for(zoetrope, key="zk_not_a_real_key")
    with pytest.raises(SegmindError) as error:
        client.submit_async(MODEL, prompt="x", start_image_url=image_url + "/photo.jpg")
    assert error.value.status == 401
    assert error.value.detail == "invalid API key"


def test_unknown_request_id_is_404(zoetrope):
    client = client_for(zoetrope)
    base_url, _ = zoetrope
    job = AsyncJob(request_id="no-such-request", status_url=f"{base_url}/v2/requests/no-such-request/status",
                   response_url=f"{base_url}/v2/requests/no-such-request", submit_response={}, _client=client)
    with pytest.raises(SegmindError) as error:
        job.status()
    assert error.value.status == 404
    assert "no-such-request" in error.value.detail


def test_validation_error_is_400_naming_the_field(zoetrope, image_url):
    client = client_for(zoetrope)
    with pytest.raises(SegmindError) as error:
        client.submit_async(MODEL, prompt="x", start_image_url=image_url + "/photo.jpg", duration="20")
    assert error.value.status == 400
    assert "duration" in error.value.detail


def test_create_voice_then_speak_with_it(zoetrope, image_url):
    """kling-create-voice through the same SDK calls, then its voice_id in a video's voice_ids."""
    import base64

    with tempfile.NamedTemporaryFile(suffix=".wav") as sample:
        text = "Hello, this is my voice. I speak clearly and slowly, so that you can hear me well. " * 3
        subprocess.run(["espeak-ng", "-v", "en-us+f2", "-w", sample.name, text], check=True)
        voice_url = "data:audio/wav;base64," + base64.b64encode(open(sample.name, "rb").read()).decode()
    client = client_for(zoetrope)
    made = client.run("kling-create-voice", voice_name="Sample", voice_url=voice_url)
    assert made["status"] == "COMPLETED"
    voice_id = made["output"]["voice_id"]
    assert made["output"]["voice_name"] == "Sample"

    result = client.run(MODEL, prompt='<<<voice_1>>> "Welcome to the show."', start_image_url=image_url + "/photo.jpg",
                        duration="3", voice_ids=[voice_id])
    assert result["status"] == "COMPLETED"
    streams = probe(httpx.get(result["output"]).content)["streams"]
    assert [s["codec_type"] for s in streams] == ["video", "audio"]
