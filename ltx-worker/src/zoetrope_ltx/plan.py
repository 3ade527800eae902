"""How a Kling request becomes LTX-2 generation calls: frames, sizes, guidance and shots. Pure:
no torch, so the mapping is tested on its own (the worker's README has the table)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .request import VideoRequest

FRAMES_PER_SECOND = 24
"""Zoetrope's output rate, and a rate LTX-2 was trained at."""

OUTPUT_SIZES = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}
"""The promised output size of each aspect ratio (docs/API.md: 1080p)."""

DISTILLED = "distilled"
FULL = "full"
RECIPES = (DISTILLED, FULL)

OFFLOADS = ("none", "text-encoder", "model", "sequential")
"""Where the weights wait: all on the device (`none`); all but Gemma, moved in once per shot to encode
the prompt (`text-encoder`); accelerate's offloading of every model, whole or layer by layer."""


class Unsupported(Exception):
    """A request this worker cannot render; the message is the job's FAILED reason."""


@dataclass(frozen=True)
class SizeProfile:
    """Output sizes: the promised 1080p ones, or those divided by `divisor` (tests run the tiny
    model at a few dozen pixels)."""

    divisor: int = 1

    def output_size(self, aspect_ratio: str) -> tuple[int, int]:
        try:
            width, height = OUTPUT_SIZES[aspect_ratio]
        except KeyError:
            raise Unsupported(f"aspect_ratio '{aspect_ratio}' is not one of {', '.join(OUTPUT_SIZES)}") from None
        even = lambda value: max(2, int(round(value / self.divisor / 2)) * 2)  # noqa: E731
        return even(width), even(height)


@dataclass(frozen=True)
class ShotPlan:
    """One generation call: `num_frames` = 8k+1 frames, of which the first `keep_frames` are kept.
    The first frame is conditioned on the start image (first shot) or on the previous shot's last
    generated frame; the last shot also ends on the end image when there is one."""

    index: int
    prompt: str
    seconds: int
    num_frames: int
    keep_frames: int
    starts_from_previous: bool
    ends_on_end_image: bool

    @property
    def pipeline(self) -> str:
        """The diffusers pipeline this shot needs."""
        return "LTX2ConditionPipeline" if self.ends_on_end_image else "LTX2ImageToVideoPipeline"


@dataclass(frozen=True)
class GenerationPlan:
    shots: tuple[ShotPlan, ...]
    output_size: tuple[int, int]
    generation_size: tuple[int, int]
    """Width and height handed to the final stage: the output size rounded up to the model's grid."""
    first_stage_size: tuple[int, int]
    """A two-stage recipe's first stage runs at half size (then the latent upsampler doubles it)."""
    frame_rate: float
    guidance_scale: float
    negative_prompt: str
    with_audio: bool
    recipe: str
    seed: int | None = None
    """The request's seed: the same seed and request give the same frames on the same device."""

    @property
    def total_frames(self) -> int:
        """Frames in the delivered video: exactly duration × 24."""
        return sum(shot.keep_frames for shot in self.shots)


def frames_for(seconds: int) -> int:
    """LTX-2 takes 8k+1 frames; 24 × seconds + 1 is one (5 s → 121)."""
    return FRAMES_PER_SECOND * seconds + 1


def guidance_for(cfg_scale: float, recipe: str) -> float:
    """Kling's cfg_scale is 0…1 (default 0.5). The full model's classifier-free guidance maps it
    linearly onto 1…7 (0.5 → 4.0, LTX-2's suggested value; 0 turns guidance off). The distilled
    model is trained for guidance 1.0, so there cfg_scale is ignored."""
    if recipe == DISTILLED:
        return 1.0
    return 1.0 + 6.0 * min(max(cfg_scale, 0.0), 1.0)


def plan(request: VideoRequest, sizes: SizeProfile = SizeProfile(), recipe: str = DISTILLED,
         grid: int = 32, two_stage: bool | None = None) -> GenerationPlan:
    """The plan of one job. `grid` is the size generation sizes must be multiples of (32 for LTX-2's
    VAE); a two-stage recipe (the distilled one, or the full one with the distilled LoRA: `two_stage`,
    by default the distilled recipe only) runs its first stage at half size, so its final size is a
    multiple of 2 × grid."""
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {RECIPES}")
    if request.element_count:
        raise Unsupported("elements are not supported by the LTX-2 worker yet; submit without elements")
    if request.voice_ids:
        raise Unsupported("voice_ids are not supported by the LTX-2 worker yet; submit without voice_ids")
    two_stage = recipe == DISTILLED if two_stage is None else two_stage
    output = sizes.output_size(request.aspect_ratio)
    multiple = grid * 2 if two_stage else grid
    generation = tuple(int(math.ceil(side / multiple)) * multiple for side in output)
    first = tuple(side // 2 for side in generation) if two_stage else generation
    shots = request.shots
    planned = tuple(
        ShotPlan(
            index=index, prompt=shot.prompt, seconds=shot.seconds, num_frames=frames_for(shot.seconds),
            keep_frames=FRAMES_PER_SECOND * shot.seconds, starts_from_previous=index > 0,
            ends_on_end_image=request.end_image is not None and index == len(shots) - 1)
        for index, shot in enumerate(shots))
    return GenerationPlan(
        shots=planned, output_size=output, generation_size=generation, first_stage_size=first,
        frame_rate=float(FRAMES_PER_SECOND), guidance_scale=guidance_for(request.cfg_scale, recipe),
        negative_prompt=request.negative_prompt, with_audio=request.generate_audio, recipe=recipe, seed=request.seed)
