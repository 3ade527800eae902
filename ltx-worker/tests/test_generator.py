"""The real diffusers LTX-2 pipelines on tiny random weights, loaded from a checkpoint directory
as real weights are, then encoded to MP4 and probed."""

import numpy as np
import pytest
from PIL import Image

from conftest import probe
from zoetrope_ltx.encoder import encode
from zoetrope_ltx.generator import LTX2Generator
from zoetrope_ltx.plan import FULL, SizeProfile, plan
from zoetrope_ltx.request import Input, Shot, VideoRequest
from zoetrope_ltx.worker import Interrupted

TINY = SizeProfile(30)
A, B = Input("https://gateway.invalid/a", gateway=True), Input("https://gateway.invalid/b", gateway=True)


@pytest.fixture(scope="module")
def generator(tiny_checkpoint):
    return LTX2Generator.load(tiny_checkpoint, seed=7)


def picture(size, colour):
    return Image.new("RGB", size, colour)


def render(generator, request, tmp_path, recipe_plan=None):
    the_plan = recipe_plan or plan(request, TINY)
    steps = []
    clips = generator.render(
        the_plan, picture(the_plan.generation_size, (200, 90, 40)), picture(the_plan.generation_size, (20, 60, 220)),
        lambda done, total: steps.append((done, total)), lambda: False)
    path = str(tmp_path / "out.mp4")
    encode(clips, path, the_plan.output_size, the_plan.frame_rate, the_plan.with_audio)
    return clips, steps, probe(path)


def test_start_frame_job_makes_the_promised_mp4(generator, tmp_path, caplog):
    caplog.set_level("INFO", logger="zoetrope_ltx")
    clips, steps, streams = render(generator, VideoRequest(prompt='she says "hello"', start_image=A,
                                                           duration=3), tmp_path)
    assert "LTX2ImageToVideoPipeline" in caplog.text and "LTX2ConditionPipeline" not in caplog.text
    assert [c.frames.shape for c in clips] == [(73, 64, 64, 3)] and clips[0].frames.dtype == np.uint8
    assert clips[0].audio.shape[0] == 2 and clips[0].sample_rate == 24000
    # Progress: 8 distilled steps at half size, then 3 after the latent upsampler.
    assert steps == [(i, 11) for i in range(1, 12)]
    video, audio = streams["video"], streams["audio"]
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (video["width"], video["height"], video["r_frame_rate"]) == (64, 36, "24/1")
    assert int(video["nb_read_frames"]) == 72
    assert (audio["codec_name"], audio["profile"], audio["sample_rate"]) == ("aac", "LC", "48000")
    assert abs(float(audio["duration"]) - 3.0) < 0.05


def test_start_and_end_frames_use_the_condition_pipeline(generator, tmp_path, caplog):
    caplog.set_level("INFO", logger="zoetrope_ltx")
    request = VideoRequest(prompt="a door opens", start_image=A, end_image=B,
                           duration=5, aspect_ratio="9:16")
    clips, steps, streams = render(generator, request, tmp_path)
    assert "LTX2ConditionPipeline (start frame at latent index 0, end frame on the last pixel frame)" in caplog.text
    assert clips[0].frames.shape == (121, 64, 64, 3)
    assert (streams["video"]["width"], streams["video"]["height"]) == (36, 64)
    assert int(streams["video"]["nb_read_frames"]) == 120


def test_multi_prompt_renders_one_clip_per_shot_chained_by_the_last_frame(generator, tmp_path, caplog):
    caplog.set_level("INFO", logger="zoetrope_ltx")
    request = VideoRequest(prompt=None, start_image=A, duration=3, generate_audio=False,
                           multi_prompt=(Shot("one", 1), Shot("two", 2)))
    clips, steps, streams = render(generator, request, tmp_path)
    assert [c.frames.shape[0] for c in clips] == [25, 49]
    assert "shot 2/2 with LTX2ImageToVideoPipeline (start frame: the previous shot's last frame)" in caplog.text
    assert steps[-1] == (22, 22)
    assert "audio" not in streams
    assert int(streams["video"]["nb_read_frames"]) == 72


def test_full_recipe_runs_one_stage_with_guidance(tiny_checkpoint, tmp_path):
    full = LTX2Generator.load(tiny_checkpoint, recipe=FULL, steps=3, seed=1)
    request = VideoRequest(prompt="p", start_image=A, duration=3, cfg_scale=0.5)
    the_plan = plan(request, TINY, recipe=FULL)
    assert the_plan.guidance_scale == 4.0
    clips, steps, streams = render(full, request, tmp_path, the_plan)
    assert steps[-1] == (3, 3)
    assert int(streams["video"]["nb_read_frames"]) == 72


def test_the_same_seed_gives_the_same_video(generator, tmp_path):
    request = VideoRequest(prompt="p", start_image=A, duration=3)
    first, _, _ = render(generator, request, tmp_path)
    second, _, _ = render(generator, request, tmp_path)
    assert np.array_equal(first[0].frames, second[0].frames)


def test_stopping_between_steps_interrupts_the_render(generator):
    the_plan = plan(VideoRequest(prompt="p", start_image=A, duration=3), TINY)
    steps = []
    with pytest.raises(Interrupted):
        generator.render(the_plan, picture(the_plan.generation_size, (0, 0, 0)), None,
                         lambda done, total: steps.append(done), lambda: len(steps) >= 2)
    assert steps == [1, 2]


def test_model_offload_switches_between_pipelines(tiny_checkpoint, tmp_path):
    # On a CPU, accelerate's model offload runs with device="cpu": this exercises the switching of
    # hooks between the image-to-video, upsample and condition pipelines.
    offloaded = LTX2Generator.load(tiny_checkpoint, device="cpu", offload="model", vae_tiling=True, seed=3)
    request = VideoRequest(prompt="p", start_image=A, duration=3, multi_prompt=(
        Shot("one", 1), Shot("two", 2)), end_image=B)
    clips, _, streams = render(offloaded, request, tmp_path)
    assert [c.frames.shape[0] for c in clips] == [25, 49]
    assert int(streams["video"]["nb_read_frames"]) == 72


def test_an_offloaded_render_that_stops_early_leaves_the_next_job_a_clean_start(tiny_checkpoint, tmp_path):
    offloaded = LTX2Generator.load(tiny_checkpoint, device="cpu", offload="model", seed=3)
    the_plan = plan(VideoRequest(prompt="p", start_image=A, duration=3), TINY)
    steps = []
    with pytest.raises(Interrupted):
        offloaded.render(the_plan, picture(the_plan.generation_size, (0, 0, 0)), None,
                         lambda done, total: steps.append(done), lambda: len(steps) >= 3)
    assert offloaded._placed is None
    clips, _, streams = render(offloaded, VideoRequest(prompt="p", start_image=A, duration=3), tmp_path)
    assert int(streams["video"]["nb_read_frames"]) == 72
