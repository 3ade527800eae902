"""The start-up smoke render: a few frames at a low size through the whole job path (text encoder,
both stages, upsampler, VAE, vocoder), before the worker leases anything. Weights that load but do
not make video (NaN or infinite values, flat or frozen frames) stop the worker here, not in a job."""

from __future__ import annotations

import logging
import time

import numpy as np
import PIL.Image
import PIL.ImageDraw

from .plan import FRAMES_PER_SECOND, GenerationPlan, ShotPlan, guidance_for
from .request import VideoRequest

log = logging.getLogger("zoetrope_ltx")

SMOKE_SIZE = 256
"""Width and height of the smoke render (a multiple of 64, so both stages of a two-stage recipe fit the grid)."""
SMOKE_FRAMES = 9
"""An 8k+1 frame count: two latent frames."""
SMOKE_PROMPT = "a red ball rolls across a wooden table, a soft knock as it stops"
FLAT = 1.0
"""A frame whose pixels vary by less than this (standard deviation, 0–255) is one flat colour."""


class SmokeRenderFailed(Exception):
    """The smoke render's output is degenerate; the message says how."""


def smoke_image(size: int = SMOKE_SIZE) -> PIL.Image.Image:
    """A start picture with gradients, edges and colours, so a working model has something to move."""
    ramp = np.linspace(0, 255, size, dtype=np.float32)
    pixels = np.stack([np.tile(ramp, (size, 1)), np.tile(ramp[:, None], (1, size)),
                       np.full((size, size), 96.0, dtype=np.float32)], axis=-1).astype(np.uint8)
    image = PIL.Image.fromarray(pixels)
    draw = PIL.ImageDraw.Draw(image)
    draw.ellipse((size // 4, size // 4, size // 2, size // 2), fill=(220, 30, 30))
    draw.rectangle((size // 2, size // 2, size * 7 // 8, size * 3 // 4), fill=(20, 20, 20))
    return image


def smoke_plan(recipe: str, two_stage: bool) -> GenerationPlan:
    """One shot of `SMOKE_FRAMES` frames at `SMOKE_SIZE`², with audio, seed 0, a request's default guidance."""
    shot = ShotPlan(index=0, prompt=SMOKE_PROMPT, seconds=1, num_frames=SMOKE_FRAMES, keep_frames=SMOKE_FRAMES - 1,
                    starts_from_previous=False, ends_on_end_image=False)
    size = (SMOKE_SIZE, SMOKE_SIZE)
    return GenerationPlan(
        shots=(shot,), output_size=size, generation_size=size,
        first_stage_size=(SMOKE_SIZE // 2, SMOKE_SIZE // 2) if two_stage else size,
        frame_rate=float(FRAMES_PER_SECOND), guidance_scale=guidance_for(VideoRequest.cfg_scale, recipe),
        negative_prompt=VideoRequest.negative_prompt, with_audio=True, recipe=recipe, seed=0)


def check_frames(frames: np.ndarray) -> None:
    """Raises SmokeRenderFailed when every frame is one flat colour or all frames are the same picture."""
    # Per frame, the largest of the three channels' standard deviations over the picture.
    flat = frames.reshape(frames.shape[0], -1, frames.shape[-1]).astype(np.float32).std(axis=1).max(axis=1)
    if (flat < FLAT).all():
        raise SmokeRenderFailed(f"every frame is one flat colour (pixel standard deviation at most {flat.max():.2f})")
    if frames.shape[0] > 1 and (frames == frames[:1]).all():
        raise SmokeRenderFailed("every frame is the same picture (nothing moves, not even noise)")


def smoke_render(generator) -> float:
    """Renders the smoke plan and checks it; returns its seconds. Raises SmokeRenderFailed."""
    from .generator import NonFiniteOutput

    started = time.monotonic()
    the_plan = smoke_plan(generator.recipe, getattr(generator, "two_stage", True))
    try:
        clips = generator.render(the_plan, smoke_image(), None, lambda done, total: None, lambda: False)
    except NonFiniteOutput as error:
        raise SmokeRenderFailed(str(error)) from None
    check_frames(clips[0].frames)
    seconds = time.monotonic() - started
    log.info("smoke render passed: %d frames at %d×%d in %.1f s (%s)", SMOKE_FRAMES, SMOKE_SIZE, SMOKE_SIZE, seconds,
             ", ".join(f"{stage} {value:.2f} s" for stage, value in generator.timings.items()))
    return seconds
