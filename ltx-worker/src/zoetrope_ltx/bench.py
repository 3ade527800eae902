"""`python -m zoetrope_ltx.bench`: seconds per denoising step and peak memory, printed as a table.

- `tiny`: the whole job path (both pipelines, the latent upsampler, the VAE and vocoder) on the
  tiny random checkpoint, at the tests' size (16:9 output divided by 30), 5 s and 3 s shots.
- `transformer`: one forward pass of a full-size LTX-2 transformer (diffusers' default
  configuration: 48 layers, 32 × 128 video heads, 32 × 64 audio heads) with random weights, at a
  1920×1088×121 video and its audio, as one distilled stage-2 step runs. No weights are fetched.
  `--layers`, `--width`, `--height`, `--frames` shrink it (a CPU check of the code path).
- `decode`: a full-size LTX-2 video VAE (the configuration published with the diffusers-format
  LTX-2.3 checkpoint) with random weights decoding 1920×1088×121 from its latents, with tiling
  (the worker's default) and without.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time

import torch


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


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m zoetrope_ltx.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=("tiny", "transformer", "decode"))
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--layers", type=int, default=48)
    p.add_argument("--width", type=int, default=1920)
    p.add_argument("--height", type=int, default=1088)
    p.add_argument("--frames", type=int, default=121)
    args = p.parse_args(argv)
    if args.what == "tiny":
        bench_tiny(args.device, args.runs)
    elif args.what == "decode":
        bench_decode(args.device, args.runs, args.width, args.height, args.frames)
    else:
        bench_transformer(args.device, args.runs, args.layers, args.width, args.height, args.frames)


if __name__ == "__main__":
    main()
