"""`python -m zoetrope_ltx.bench`: seconds per denoising step and peak memory, printed as a table.

- `hardware`: what the figures were measured on: torch and CUDA, the GPU and its driver (or the CPU),
  the packages' versions, and whether ffmpeg and a C compiler (for torch.compile's Triton kernels)
  are there. Exits 1 when the device is a GPU that CUDA cannot use.
- `tiny`: the whole job path (both pipelines, the latent upsampler, the VAE and vocoder) on the
  tiny random checkpoint, at the tests' size (16:9 output divided by 30), 5 s and 3 s shots.
- `transformer`: one forward pass of a full-size LTX-2 transformer (diffusers' default
  configuration: 48 layers, 32 × 128 video heads, 32 × 64 audio heads) with random weights, at a
  1920×1088×121 video and its audio, as one distilled stage-2 step runs. No weights are fetched.
  `--layers`, `--width`, `--height`, `--frames` shrink it (a CPU check of the code path).
- `decode`: a full-size LTX-2 video VAE (the configuration published with the diffusers-format
  LTX-2.3 checkpoint) with random weights decoding 1920×1088×121 from its latents, with tiling
  (the worker's default) and without.
- `job`: the worker's whole job path with random full-size LTX-2.0 weights (diffusers' default
  configurations: the 48-layer transformer, video and audio VAEs, vocoder, connectors, latent
  upsampler, and a Gemma 3 12B-shaped text encoder): a 5 s 1920×1088 image-to-video shot with audio,
  distilled recipe, then the MP4 encode. Per variant (`--variants`: the speed options one at a time),
  the first (cold) job's seconds, then the warm job's seconds per stage (text, stage 1, upsample,
  stage 2, decode, audio, encode) and the peak memory; a variant that changes the encode alone
  (`x264-veryfast`) re-encodes the last warm job's clips. `overlap-encode` runs two warm jobs as
  `--overlap-encode` does, the second generating while the first encodes on the finisher's thread:
  its warm seconds are those between the two jobs' hand-overs to the finisher (a busy worker's
  seconds per job, as a warm job's are without the overlap), its stages the second job's. Without
  ffmpeg the encode is not run (its column stays empty; the x264 and overlap variants are not run). `--deadline` starts no variant that the longest one so far says would end
  after it. Nothing is downloaded. `--layers`, `--width`, `--height`, `--frames` and
  `--text-encoder tiny` shrink it (a CPU check of the code path).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import statistics
import tempfile
import time

import torch

from .speed import SpeedOptions


def peak_memory(device: str) -> str:
    if device.startswith("cuda"):
        return f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB (torch.cuda.max_memory_allocated)"
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB (process max RSS)"


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"CPU ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads)"


def bench_hardware(device: str) -> None:
    """Prints what the figures are measured on; exits 1 when `device` is a GPU that CUDA cannot use."""
    import subprocess
    from importlib.metadata import PackageNotFoundError, version

    from .hardware import cuda_status, describe

    if device.startswith("cuda"):
        usable, reason = cuda_status()
        if not usable:
            raise SystemExit(f"CUDA not usable: {reason}")
        if shutil.which("nvidia-smi"):
            subprocess.run(["nvidia-smi"], check=False)
    print(describe(device))
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"host: {os.cpu_count()} CPU cores, {memory:.0f} GiB memory")
    packages = []
    for name in ("torch", "transformers", "diffusers", "accelerate", "peft", "torchao", "av", "numpy"):
        try:
            packages.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            packages.append(f"{name} absent")
    print("packages: " + ", ".join(packages))
    print(f"ffmpeg: {shutil.which('ffmpeg') or 'absent (the job bench leaves the encode out)'}; "
          f"C compiler: {shutil.which('cc') or shutil.which('gcc') or 'absent (torch.compile needs one)'}")


def build(factory, device: str, dtype: torch.dtype):
    """A model built in its dtype directly on the device: no float32 copy of billions of weights."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            return factory().eval()
    finally:
        torch.set_default_dtype(default)


def bench_tiny(device: str, runs: int) -> None:
    from PIL import Image

    from .generator import LTX2Generator
    from .plan import SizeProfile, plan
    from .request import Input, VideoRequest
    from .tiny import save

    directory = tempfile.mkdtemp(prefix="tiny-ltx2-")
    save(directory)
    generator = LTX2Generator.load(directory, device=device, seed=0)
    print(f"tiny checkpoint on {device_name(device)}, torch {torch.__version__}")
    print(f"{'job':<34} {'frames':>6} {'steps':>5} {'s/job (median)':>14} {'s/step (job ÷ steps)':>20}")
    start, end = Input("https://gateway.invalid/a", gateway=True), Input("https://gateway.invalid/b", gateway=True)
    for label, request in (
        ("5 s, start frame (i2v)", VideoRequest(prompt="p", start_image=start, duration=5)),
        ("5 s, start + end (condition)", VideoRequest(prompt="p", start_image=start, end_image=end, duration=5)),
        ("3 s, start frame (i2v)", VideoRequest(prompt="p", start_image=start, duration=3)),
    ):
        the_plan = plan(request, SizeProfile(30))
        image = Image.new("RGB", the_plan.generation_size, (120, 80, 40))
        generator.render(the_plan, image, image, lambda d, t: None, lambda: False)  # warm-up
        times = []
        for _ in range(runs):
            sync(device)
            started = time.perf_counter()
            generator.render(the_plan, image, image, lambda d, t: None, lambda: False)
            sync(device)
            times.append(time.perf_counter() - started)
        steps = generator.steps_per_shot()
        median = statistics.median(times)
        print(f"{label:<34} {the_plan.shots[0].num_frames:>6} {steps:>5} {median:>14.3f} {median / steps:>20.4f}")
    print(f"peak memory: {peak_memory(device)}")


def bench_transformer(device: str, runs: int, layers: int, width: int, height: int, frames: int) -> None:
    from diffusers import LTX2VideoTransformer3DModel

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    started = time.perf_counter()
    model = build(lambda: LTX2VideoTransformer3DModel(num_layers=layers), device, dtype)
    sync(device)
    config = model.config
    parameters = sum(p.numel() for p in model.parameters())
    temporal, spatial, _ = config.vae_scale_factors
    latent_frames, latent_height, latent_width = (frames - 1) // temporal + 1, height // spatial, width // spatial
    tokens = latent_frames * latent_height * latent_width
    seconds = frames / 24.0
    audio_frames = round(seconds * config.audio_sampling_rate / config.audio_hop_length / config.audio_scale_factor)
    text_tokens = 1024
    print(f"LTX-2 transformer, random weights: {layers} layers, {parameters / 1e9:.2f} B parameters, {dtype}, "
          f"built in {time.perf_counter() - started:.1f} s on {device_name(device)}, torch {torch.__version__}")
    print(f"video {width}×{height}×{frames} → {latent_frames}×{latent_height}×{latent_width} = {tokens} tokens; "
          f"audio {audio_frames} tokens; text {text_tokens} tokens")
    g = torch.Generator(device).manual_seed(0)
    inputs = dict(
        hidden_states=torch.randn(1, tokens, config.in_channels, generator=g, device=device, dtype=dtype),
        audio_hidden_states=torch.randn(1, audio_frames, config.audio_in_channels, generator=g, device=device,
                                        dtype=dtype),
        encoder_hidden_states=torch.randn(1, text_tokens, config.caption_channels, generator=g, device=device,
                                          dtype=dtype),
        audio_encoder_hidden_states=torch.randn(1, text_tokens, config.caption_channels, generator=g, device=device,
                                                dtype=dtype),
        timestep=torch.full((1, tokens), 909.375, device=device),
        audio_timestep=torch.full((1,), 909.375, device=device),
        sigma=torch.full((1,), 909.375, device=device),
        encoder_attention_mask=torch.ones(1, text_tokens, device=device, dtype=torch.long),
        audio_encoder_attention_mask=torch.ones(1, text_tokens, device=device, dtype=torch.long),
        num_frames=latent_frames, height=latent_height, width=latent_width, fps=24.0, audio_num_frames=audio_frames,
        return_dict=False)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    times = []
    with torch.inference_mode():
        for run in range(runs + 1):
            sync(device)
            started = time.perf_counter()
            video, audio = model(**inputs)
            sync(device)
            if run:  # the first pass is a warm-up
                times.append(time.perf_counter() - started)
    assert video.shape == (1, tokens, config.out_channels) and audio.shape[:2] == (1, audio_frames)
    print(f"s/step: median {statistics.median(times):.3f}, min {min(times):.3f}, max {max(times):.3f} "
          f"over {len(times)} steps")
    print(f"peak memory: {peak_memory(device)}")


LTX23_VAE = dict(
    block_out_channels=(256, 512, 1024, 1024), decoder_block_out_channels=(256, 512, 512, 1024),
    layers_per_block=(4, 6, 4, 2, 2), decoder_layers_per_block=(4, 6, 4, 2, 2),
    spatio_temporal_scaling=(True,) * 4, decoder_spatio_temporal_scaling=(True,) * 4,
    decoder_inject_noise=(False,) * 5, downsample_type=("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
    upsample_type=("spatiotemporal", "spatiotemporal", "temporal", "spatial"), upsample_residual=(False,) * 4,
    upsample_factor=(2, 2, 1, 2), patch_size=4, patch_size_t=1, decoder_causal=False,
    decoder_spatial_padding_mode="zeros", timestep_conditioning=False, spatial_compression_ratio=32,
    temporal_compression_ratio=8)
"""The video VAE's configuration in the diffusers-format LTX-2.3 checkpoint (vae/config.json)."""


def bench_decode(device: str, runs: int, width: int, height: int, frames: int) -> None:
    from diffusers import AutoencoderKLLTX2Video

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    vae = build(lambda: AutoencoderKLLTX2Video(**LTX23_VAE), device, dtype)
    latents = torch.randn(1, vae.config.latent_channels, (frames - 1) // vae.temporal_compression_ratio + 1,
                          height // vae.spatial_compression_ratio, width // vae.spatial_compression_ratio,
                          device=device, dtype=dtype)
    print(f"LTX-2 video VAE, random weights, {dtype}, on {device_name(device)}, torch {torch.__version__}: "
          f"latents {tuple(latents.shape)} → {width}×{height}×{frames}")
    for tiled in (True, False):
        if tiled:
            vae.enable_tiling()
        else:
            vae.disable_tiling()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        times = []
        try:
            with torch.inference_mode():
                for _ in range(runs):
                    sync(device)
                    started = time.perf_counter()
                    video = vae.decode(latents, return_dict=False)[0]
                    sync(device)
                    times.append(time.perf_counter() - started)
            assert video.shape[2:] == (frames, height, width), video.shape
            del video
            print(f"tiling {'on ' if tiled else 'off'}: s/decode median {statistics.median(times):.3f} over {runs}; "
                  f"peak memory {peak_memory(device)}")
        except torch.OutOfMemoryError:
            print(f"tiling {'on ' if tiled else 'off'}: out of memory; peak {peak_memory(device)}")


LTX20_VAE = dict(decoder_causal=False, spatial_compression_ratio=32, temporal_compression_ratio=8)
"""diffusers' default video VAE with what its converter sets for LTX-2.0 (a non-causal decoder, the ratios)."""

JOB_VARIANTS = ("baseline", "x264-veryfast", "cudnn", "flash", "overlap-encode", "compile", "fp8")
"""`job` variants: the defaults, then one speed option at a time (see zoetrope_ltx.speed): the
re-encode first (it renders nothing), FP8 last (its quantisation cannot be undone)."""

VARIANT_OPTIONS = {"baseline": SpeedOptions(), "x264-veryfast": SpeedOptions(x264_preset="veryfast"),
                   "cudnn": SpeedOptions(attention_backend="_native_cudnn"),
                   "flash": SpeedOptions(attention_backend="flash"), "compile": SpeedOptions(compile=True),
                   "fp8": SpeedOptions(fp8=True), "overlap-encode": SpeedOptions(overlap_encode=True)}
"""Each `job` variant's speed options."""


def job_components(device: str, dtype: torch.dtype, layers: int, text_encoder: str) -> dict:
    """Random-weight LTX-2.0 components at full size, built in `dtype` on the device (see the module docstring)."""
    from diffusers import (AutoencoderKLLTX2Audio, AutoencoderKLLTX2Video, FlowMatchEulerDiscreteScheduler,
                           LTX2VideoTransformer3DModel)
    from diffusers.pipelines.ltx2.connectors import LTX2TextConnectors
    from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3TextConfig, SiglipVisionConfig

    from . import tiny

    tokenizer = tiny.tiny_tokenizer(model_max_length=1024)  # prompts are padded to 1024 tokens, as Gemma's are
    if text_encoder == "tiny":
        small = tiny.tiny_components()
        encoder, connectors, caption_channels = small["text_encoder"], small["connectors"], tiny.GEMMA_HIDDEN
        encoder, connectors = encoder.to(device=device, dtype=dtype), connectors.to(device=device, dtype=dtype)
    else:
        text = Gemma3TextConfig(  # Gemma 3 12B's text tower
            vocab_size=262208, hidden_size=3840, intermediate_size=15360, num_hidden_layers=48, num_attention_heads=16,
            num_key_value_heads=8, head_dim=256, query_pre_attn_scalar=256, sliding_window=1024,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            bos_token_id=tokenizer.bos_token_id)
        vision = SiglipVisionConfig(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27,
                                    num_attention_heads=16, image_size=896, patch_size=14)
        config = Gemma3Config(text_config=text, vision_config=vision, mm_tokens_per_image=256,
                              boi_token_index=tokenizer.convert_tokens_to_ids("<start_of_image>"),
                              eoi_token_index=tokenizer.convert_tokens_to_ids("<end_of_image>"),
                              image_token_index=tokenizer.convert_tokens_to_ids("<image_soft_token>"))
        encoder = build(lambda: Gemma3ForConditionalGeneration(config), device, dtype)
        connectors, caption_channels = build(LTX2TextConnectors, device, dtype), 3840
    return dict(
        scheduler=FlowMatchEulerDiscreteScheduler(), tokenizer=tokenizer, text_encoder=encoder, connectors=connectors,
        transformer=build(lambda: LTX2VideoTransformer3DModel(num_layers=layers, caption_channels=caption_channels),
                          device, dtype),
        vae=build(lambda: AutoencoderKLLTX2Video(**LTX20_VAE), device, dtype),
        audio_vae=build(AutoencoderKLLTX2Audio, device, dtype), vocoder=build(LTX2Vocoder, device, dtype),
        latent_upsampler=build(LTX2LatentUpsamplerModel, device, dtype))


def _uncompile(transformer) -> None:
    """Undoes `compile_repeated_blocks`: torch.nn.Module.compile keeps the compiled call in
    `_compiled_call_impl` (torch 2.13); without it the block runs eagerly again."""
    for module in transformer.modules():
        if getattr(module, "_compiled_call_impl", None) is not None:
            module._compiled_call_impl = None


def bench_job(device: str, layers: int, width: int, height: int, frames: int, text_encoder: str,
              variants: list[str], deadline: float | None = None) -> None:
    """Prints, per variant, a cold and a warm job's seconds, the warm job's stages, and peak memory.
    With `deadline` (Unix seconds), a variant is not started when the longest so far would end after it."""
    from PIL import Image

    from diffusers import LTX2ImageToVideoPipeline

    from .encoder import encode
    from .finisher import Finisher
    from .generator import STAGES, LTX2Generator
    from .plan import DISTILLED, FRAMES_PER_SECOND, GenerationPlan, ShotPlan
    from .smoke import smoke_image
    from .speed import apply_to_transformer

    unknown = [variant for variant in variants if variant not in VARIANT_OPTIONS]
    if unknown:
        raise SystemExit(f"unknown variant {unknown[0]!r}; variants: {', '.join(JOB_VARIANTS)}")
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    print(f"building the random {dtype} components on {device}…", flush=True)
    started = time.perf_counter()
    components = job_components(device, dtype, layers, text_encoder)
    upsampler = components.pop("latent_upsampler")
    generator = LTX2Generator(LTX2ImageToVideoPipeline(**components), upsampler, device, seed=0)
    sync(device)
    parameters = {name: sum(p.numel() for p in module.parameters()) / 1e9 for name, module in components.items()
                  if isinstance(module, torch.nn.Module)}
    print(f"LTX-2 job, random weights ({', '.join(f'{k} {v:.2f} B' for k, v in parameters.items())}), {dtype}, "
          f"built in {time.perf_counter() - started:.1f} s on {device_name(device)}, torch {torch.__version__}")
    seconds = (frames - 1) // FRAMES_PER_SECOND
    shot = ShotPlan(index=0, prompt="a lighthouse keeper climbs the stairs and says \"the storm is coming\"",
                    seconds=max(seconds, 1), num_frames=frames, keep_frames=frames - 1, starts_from_previous=False,
                    ends_on_end_image=False)
    output = (width, height - 8 if height == 1088 else height)
    the_plan = GenerationPlan(shots=(shot,), output_size=output, generation_size=(width, height),
                              first_stage_size=(width // 2, height // 2), frame_rate=float(FRAMES_PER_SECOND),
                              guidance_scale=1.0, negative_prompt="", with_audio=True, recipe=DISTILLED, seed=0)
    image = smoke_image().resize((width, height))
    print(f"job: {width}×{height}×{frames} image-to-video with audio, distilled recipe "
          f"({generator.steps_per_shot()} transformer passes), MP4 {output[0]}×{output[1]}")
    ffmpeg = shutil.which("ffmpeg") is not None
    if not ffmpeg:
        print("encode: not run, no ffmpeg on PATH (the encode column stays empty; x264 and overlap variants "
              "are not run)")
    header = ["variant", "cold s", "warm s"] + list(STAGES) + ["encode", "peak memory"]
    print(" | ".join(header), flush=True)
    transformer = generator.i2v.transformer

    def encode_seconds(clips, preset: str) -> float | None:
        if not ffmpeg:
            return None
        with tempfile.TemporaryDirectory() as scratch:
            begun = time.perf_counter()
            encode(clips, os.path.join(scratch, "job.mp4"), the_plan.output_size, the_plan.frame_rate, True, preset)
            return time.perf_counter() - begun

    def run(preset: str) -> tuple[float, dict[str, float | None], list]:
        begun = time.perf_counter()
        clips = generator.render(the_plan, image, None, lambda d, t: None, lambda: False)
        timings: dict[str, float | None] = dict(generator.timings)
        timings["encode"] = encode_seconds(clips, preset)
        return time.perf_counter() - begun, timings, clips

    def run_overlapped(preset: str) -> tuple[float, dict[str, float | None], list]:
        """Two jobs, each encoded on the finisher's thread as `--overlap-encode` does: the seconds
        between their hand-overs to the finisher, and the second job's stages and clips."""
        finisher, handed = Finisher(), []
        timings: dict[str, float | None] = {}
        clips: list = []
        with tempfile.TemporaryDirectory() as scratch:
            for index in range(2):
                clips = generator.render(the_plan, image, None, lambda d, t: None, lambda: False)
                timings = dict(generator.timings)

                def encode_timed(c=clips, t=timings, path=os.path.join(scratch, f"job-{index}.mp4")) -> None:
                    begun = time.perf_counter()
                    encode(c, path, the_plan.output_size, the_plan.frame_rate, True, preset)
                    t["encode"] = time.perf_counter() - begun

                finisher.submit(f"bench-{index}", encode_timed)
                handed.append(time.perf_counter())
            finisher.wait()
        return handed[1] - handed[0], timings, clips

    def shown(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    clips = None  # the last warm job's, re-encoded by a variant that changes the encode alone
    longest = 0.0  # the longest variant so far, in seconds: what the deadline is judged by
    for variant in variants:
        options = VARIANT_OPTIONS[variant]
        encode_only = dataclasses.replace(options, x264_preset=SpeedOptions().x264_preset) == SpeedOptions()
        if encode_only and clips is not None:
            if not ffmpeg:
                print(f"{variant} | not run: no ffmpeg", flush=True)
                continue
            print(" | ".join([variant, "–", "–"] + ["–"] * len(STAGES)
                             + [shown(encode_seconds(clips, options.x264_preset)), "–"]), flush=True)
            continue
        if options.overlap_encode and not ffmpeg:
            print(f"{variant} | not run: no ffmpeg", flush=True)
            continue
        if deadline is not None and time.time() + longest > deadline:
            print(f"{variant} | not run: {max(deadline - time.time(), 0):.0f} s left before the deadline, "
                  f"the longest variant so far took {longest:.0f} s", flush=True)
            continue
        variant_started = time.perf_counter()
        try:
            apply_to_transformer(transformer, options)
        except Exception as error:  # noqa: BLE001 — a backend or package this machine lacks: noted, not fatal
            print(f"{variant} | not run: {type(error).__name__}: {error}", flush=True)
            continue
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        try:
            cold, _, _ = run(options.x264_preset)
            warm, timings, clips = (run_overlapped if options.overlap_encode else run)(options.x264_preset)
            print(" | ".join([variant, f"{cold:.2f}", f"{warm:.2f}"] + [shown(timings[stage]) for stage in STAGES]
                             + [shown(timings["encode"]), peak_memory(device)]), flush=True)
        except torch.OutOfMemoryError:
            print(f"{variant} | out of memory; peak {peak_memory(device)}", flush=True)
        except Exception as error:  # noqa: BLE001 — e.g. a backend with no kernel for this device: noted, not fatal
            print(f"{variant} | failed: {type(error).__name__}: {str(error)[:200]}", flush=True)
        finally:
            if options.attention_backend != "native":
                transformer.set_attention_backend("native")
            if options.compile:
                _uncompile(transformer)
            longest = max(longest, time.perf_counter() - variant_started)
        # FP8 quantisation cannot be undone: it stays for any later variant (run it last).


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m zoetrope_ltx.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=("hardware", "tiny", "transformer", "decode", "job"))
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--layers", type=int, default=48)
    p.add_argument("--width", type=int, default=1920)
    p.add_argument("--height", type=int, default=1088)
    p.add_argument("--frames", type=int, default=121)
    p.add_argument("--text-encoder", choices=("full", "tiny"), default="full",
                   help="job: a Gemma 3 12B-shaped text encoder (full) or the tests' tiny one (a CPU check)")
    p.add_argument("--variants", default=",".join(JOB_VARIANTS),
                   help=f"job: comma-separated, run in this order (default {','.join(JOB_VARIANTS)})")
    p.add_argument("--deadline", type=float,
                   help="job: Unix time after which no variant should end; one the longest so far says "
                        "would end later is not started")
    args = p.parse_args(argv)
    if args.what == "hardware":
        bench_hardware(args.device)
    elif args.what == "tiny":
        bench_tiny(args.device, args.runs)
    elif args.what == "decode":
        bench_decode(args.device, args.runs, args.width, args.height, args.frames)
    elif args.what == "job":
        bench_job(args.device, args.layers, args.width, args.height, args.frames, args.text_encoder,
                  [variant.strip() for variant in args.variants.split(",") if variant.strip()], args.deadline)
    else:
        bench_transformer(args.device, args.runs, args.layers, args.width, args.height, args.frames)


if __name__ == "__main__":
    main()
