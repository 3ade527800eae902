"""The real diffusers LTX-2 pipelines on tiny random weights, loaded from a checkpoint directory
as real weights are, then encoded to MP4 and probed."""

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import probe
from zoetrope_ltx.encoder import encode
from zoetrope_ltx.generator import LTX2Generator
from zoetrope_ltx.plan import FULL, SizeProfile, plan
from zoetrope_ltx.request import Input, Shot, VideoRequest
from zoetrope_ltx.schedule import dev_sigmas
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
    assert "LTX2ConditionPipeline (start frame at latent index 0, end frame on the last delivered frame)" in caplog.text
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
    # Lightricks' fixed dev schedule, not one shifted by the token count.
    assert full.i2v.scheduler.sigmas[:-1].tolist() == pytest.approx(list(dev_sigmas(3)), abs=1e-6)


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


class TransformerCalls:
    """Every call of the real transformer: its packed video tokens and their positions (a forward pre-hook)."""

    def __init__(self, transformer):
        self.calls = []
        self.handle = transformer.register_forward_pre_hook(self.record, with_kwargs=True)

    def record(self, module, args, kwargs):
        self.calls.append({name: kwargs[name].detach().clone() for name in ("hidden_states", "video_coords")})

    def close(self):
        self.handle.remove()


def full_size_start_latent(pipe, image, width, height):
    """The start image as the pipelines prepare a conditioning image at (width, height): H.264 at the
    model's CRF, resized and cropped, encoded, normalised, its first latent frame's tokens."""
    from diffusers.pipelines.ltx2.utils import apply_image_conditioning_crf, resolve_default_image_crf

    pixels = apply_image_conditioning_crf(np.array(image), resolve_default_image_crf(pipe.text_encoder))
    pixels = pipe.video_processor.preprocess(Image.fromarray(pixels), height=height, width=width)
    with torch.inference_mode():
        latent = pipe.vae.encode(pixels.unsqueeze(2)).latent_dist.mode()
        latent = pipe._normalize_latents(latent, pipe.vae.latents_mean, pipe.vae.latents_std)
    return latent[:, :, 0].flatten(2).transpose(1, 2)  # (1, height × width tokens, channels), as packed


def structured_picture(size):
    """A start picture with detail, so an encode at full size differs from an upsampled small one."""
    x, y = np.meshgrid(np.linspace(0, 1, size[0]), np.linspace(0, 1, size[1]))
    pixels = np.stack([np.sin(x * 40) * 0.5 + 0.5, np.cos(y * 33) * 0.5 + 0.5, (x * y)], axis=-1)
    return Image.fromarray((pixels * 255).astype(np.uint8))


@pytest.mark.parametrize("with_end", [False, True], ids=["image-to-video", "condition"])
def test_stage_2_conditions_frame_0_on_the_full_size_encode_of_the_start_image(generator, with_end):
    the_plan = plan(VideoRequest(prompt="p", start_image=A, end_image=B if with_end else None, duration=3), TINY)
    width, height = the_plan.generation_size
    start = structured_picture((width, height))
    calls = TransformerCalls(generator.i2v.transformer)
    vae = generator.i2v.vae
    tiling = {"encoder": set(), "decoder": set()}  # whether the VAE tiles, seen by its encoder and decoder
    hooks = [getattr(vae, part).register_forward_pre_hook(lambda m, a, part=part: tiling[part].add(vae.use_tiling))
             for part in tiling]
    try:
        generator.render(the_plan, start, picture((width, height), (20, 60, 220)), lambda d, t: None, lambda: False)
    finally:
        calls.close()
        for hook in hooks:
            hook.remove()
    # Conditioning images are encoded in one piece; only the decode runs with tiling on.
    assert tiling == {"encoder": {False}, "decoder": {True}}
    assert len(calls.calls) == 11  # 8 stage-1 steps, then 3 at full size
    stage_2 = calls.calls[8]["hidden_states"]
    tokens = (width // 8) * (height // 8)
    pipe = generator.condition if with_end else generator.i2v
    expected = full_size_start_latent(pipe, start, width, height)
    assert expected.shape == stage_2[:, :tokens].shape
    torch.testing.assert_close(stage_2[:, :tokens], expected, rtol=1e-4, atol=1e-4)
    # …and it is not what the upsampler made of the half-size stage: that frame 0 is another latent.
    half = full_size_start_latent(pipe, start, *the_plan.first_stage_size)
    assert not torch.allclose(calls.calls[0]["hidden_states"][:, :half.shape[1]], expected[:, :half.shape[1]])


def test_the_end_keyframe_sits_on_the_last_delivered_frame(generator):
    the_plan = plan(VideoRequest(prompt="p", start_image=A, end_image=B, duration=5), TINY)
    width, height = the_plan.generation_size
    calls = TransformerCalls(generator.i2v.transformer)
    try:
        generator.render(the_plan, picture((width, height), (200, 90, 40)), picture((width, height), (20, 60, 220)),
                         lambda d, t: None, lambda: False)
    finally:
        calls.close()
    num_frames, last_delivered = the_plan.shots[0].num_frames, the_plan.shots[0].keep_frames - 1
    for stage, call in (("stage 1", calls.calls[0]), ("stage 2", calls.calls[8])):
        coords = call["video_coords"][0, 0]  # temporal (start, end) in seconds of every token
        stage_width, stage_height = the_plan.first_stage_size if stage == "stage 1" else (width, height)
        keyframe_tokens = (stage_width // 8) * (stage_height // 8)
        video_tokens = ((num_frames - 1) // 8 + 1) * keyframe_tokens
        assert coords.shape[0] == video_tokens + keyframe_tokens, stage
        start_frames = (coords[video_tokens:, 0] * the_plan.frame_rate).round()
        # Frame 119 of 0…120: the MP4's last frame (frame 120 is generated, then dropped), not 113.
        assert set(start_frames.tolist()) == {float(last_delivered)} == {119.0}, stage


def test_the_prompt_is_encoded_once_per_shot(generator, tmp_path):
    encodes = []
    handle = generator.i2v.text_encoder.register_forward_pre_hook(lambda module, args: encodes.append(1))
    try:
        request = VideoRequest(prompt=None, start_image=A, end_image=B, duration=3,
                               multi_prompt=(Shot("one", 1), Shot("two", 2)))
        render(generator, request, tmp_path)
    finally:
        handle.remove()
    assert len(encodes) == 2  # two shots of two stages each: one Gemma pass per shot


def test_text_encoder_offload_keeps_gemma_off_the_device_between_prompts(tiny_checkpoint, tmp_path):
    offloaded = LTX2Generator.load(tiny_checkpoint, device="cpu", offload="text-encoder", seed=3)
    clips, _, streams = render(offloaded, VideoRequest(prompt="p", start_image=A, duration=3), tmp_path)
    assert int(streams["video"]["nb_read_frames"]) == 72
    assert offloaded.i2v.text_encoder.device.type == "cpu"
    assert offloaded.timings["text"] > 0 and offloaded.timings["stage 2"] > 0


def test_the_dev_two_stage_flow_runs_stage_2_with_the_distilled_lora(tiny_checkpoint, tmp_path):
    from diffusers import LTX2ImageToVideoPipeline
    from peft import LoraConfig
    from peft.tuners.tuners_utils import BaseTunerLayer
    from peft.utils import get_peft_model_state_dict

    from zoetrope_ltx.tiny import tiny_components

    transformer = tiny_components()["transformer"]
    transformer.add_adapter(LoraConfig(r=2, lora_alpha=2, target_modules=["to_q", "to_v"], init_lora_weights=False))
    LTX2ImageToVideoPipeline.save_lora_weights(str(tmp_path), transformer_lora_layers=get_peft_model_state_dict(
        transformer), weight_name="tiny-distilled-lora.safetensors")
    lora = str(tmp_path / "tiny-distilled-lora.safetensors")
    dev = LTX2Generator.load(tiny_checkpoint, recipe=FULL, steps=3, seed=1, distilled_lora=lora)
    layers = [m for m in dev.i2v.transformer.modules() if isinstance(m, BaseTunerLayer)]
    active = []
    handle = dev.i2v.transformer.register_forward_pre_hook(
        lambda module, args: active.append(not layers[0].disable_adapters))
    try:
        request = VideoRequest(prompt="p", start_image=A, duration=3, cfg_scale=0.5)
        the_plan = plan(request, TINY, recipe=FULL, two_stage=True)
        clips, steps, streams = render(dev, request, tmp_path, the_plan)
    finally:
        handle.remove()
    assert layers and steps[-1] == (6, 6)
    # Stage 1: 3 dev steps with guidance (CFG in one batched pass, then STG and modality passes), no LoRA;
    # stage 2: 3 distilled steps with the LoRA, one pass each.
    assert active[-3:] == [True] * 3 and not any(active[:-3])
    assert int(streams["video"]["nb_read_frames"]) == 72
