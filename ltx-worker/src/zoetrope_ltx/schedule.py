"""The denoising schedules: Lightricks' explicit sigmas for every stage, so no schedule depends on the
token count (diffusers' dynamic shift at 1080p is about 12 and would keep most steps near σ = 1)."""

from __future__ import annotations

import math

from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES, STAGE_2_DISTILLED_SIGMA_VALUES

BASE_SHIFT, MAX_SHIFT = 0.95, 2.05
BASE_TOKENS, MAX_TOKENS = 1024, 4096
TERMINAL = 0.1

STAGE_1_DISTILLED = tuple(DISTILLED_SIGMA_VALUES)
"""The distilled model's 8 sigmas (stage 1 of the distilled recipe)."""

STAGE_2_DISTILLED = tuple(STAGE_2_DISTILLED_SIGMA_VALUES)
"""The 3 sigmas of every recipe's stage 2 (distilled weights, or the dev weights with the distilled LoRA);
the upsampled latent is re-noised to the first of them."""


def dev_sigmas(steps: int) -> tuple[float, ...]:
    """Lightricks' `LTX2Scheduler` schedule for the dev model, as its two-stage pipeline calls it (no
    latent, so the shift is that of 4096 tokens, 2.05), stretched so the last non-zero sigma is 0.1.
    Returned without the final 0 (diffusers' scheduler appends it)."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps}")
    shift = BASE_SHIFT + (MAX_SHIFT - BASE_SHIFT) / (MAX_TOKENS - BASE_TOKENS) * (MAX_TOKENS - BASE_TOKENS)
    linear = [1.0 - index / steps for index in range(steps)]  # 1 … 1/steps; the trailing 0 is left out
    shifted = [math.exp(shift) / (math.exp(shift) + (1.0 / sigma - 1.0)) for sigma in linear]
    scale = (1.0 - shifted[-1]) / (1.0 - TERMINAL)
    return tuple(1.0 - (1.0 - sigma) / scale for sigma in shifted)
