"""What a diffusers-format LTX-2 checkpoint is, read from its configs before any weight is loaded,
and whether it fits the recipe, the latent upsampler and the device the worker was started with.

- Family: LTX-2.3's transformer modulates cross-attention (`cross_attn_mod`, `audio_cross_attn_mod`);
  LTX-2.0's does not.
- Size: the transformer's parameter count, from its config (built on the meta device, no memory).
- Latent upsampler: diffusers' converter writes `use_rational_resampler: true` for LTX-2.0's
  spatial upsampler and `false` for LTX-2.3's (and later).
- Variant: diffusers' converter writes the same configs for the dev and the distilled weights, so
  the variant is read from the name a config records (`_name_or_path` in `model_index.json` or
  `transformer/config.json`: Lightricks names its files `…-dev` and `…-distilled`), or given by the
  operator (`--checkpoint-variant`). A checkpoint that says neither is refused, not guessed."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

from .plan import DISTILLED, FULL

DEV = "dev"
VARIANTS = (DISTILLED, DEV)

REAL_SIZE_PARAMETERS = 1_000_000_000
"""A transformer this large is a real checkpoint (LTX-2's has 19 B parameters, LTX-2.3's 22 B); the
tests' tiny one has a few thousand."""


class CheckpointRefused(Exception):
    """The checkpoint does not fit the recipe, upsampler or device; the message says what to use."""


@dataclass(frozen=True)
class CheckpointInfo:
    """A checkpoint's identity as its configs state it."""

    path: str
    family: str
    """"LTX-2.0" or "LTX-2.3" (LTX-2.3 and later)."""
    variant: str | None
    """"distilled", "dev", or None when the configs do not say."""
    transformer_parameters: int
    layers: int
    width: int
    """The video stream's inner width (heads × head dimension)."""

    @property
    def real_size(self) -> bool:
        """A production-size transformer (at least `REAL_SIZE_PARAMETERS`), not a test checkpoint."""
        return self.transformer_parameters >= REAL_SIZE_PARAMETERS

    def describe(self) -> str:
        """One line for the log."""
        count = self.transformer_parameters
        size = f"{count / 1e9:.1f} B" if count >= 1e8 else f"{count / 1e6:.2f} M"
        return (f"{self.family} {self.variant or 'variant unknown'}, transformer {self.layers} layers × "
                f"{self.width} wide, {size} parameters ({'real size' if self.real_size else 'a test checkpoint'})")


def _config(directory: str, *parts: str) -> dict | None:
    path = os.path.join(directory, *parts)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _local_dir(model_dir: str) -> str:
    """The directory of a checkpoint: itself, or a Hugging Face repo id's snapshot in the local cache."""
    if os.path.isdir(model_dir):
        return model_dir
    from huggingface_hub import snapshot_download

    return snapshot_download(model_dir, local_files_only=True, allow_patterns=["*.json"])


def family_of(transformer_config: dict) -> str:
    """LTX-2.3 modulates cross-attention by the other modality's timestep; LTX-2.0 does not."""
    return "LTX-2.3" if (transformer_config.get("cross_attn_mod") or transformer_config.get("audio_cross_attn_mod")) \
        else "LTX-2.0"


def upsampler_family_of(upsampler_config: dict) -> str:
    """diffusers' converter: LTX-2.0's spatial upsampler uses the rational resampler, LTX-2.3's does not."""
    return "LTX-2.0" if upsampler_config.get("use_rational_resampler", True) else "LTX-2.3"


def variant_of(*configs: dict | None) -> str | None:
    """"distilled" or "dev" from the name a config records, else None."""
    for config in configs:
        name = os.path.basename(str((config or {}).get("_name_or_path", "")).rstrip("/")).lower()
        words = set(re.split(r"[^a-z0-9.]+", name))
        if "distilled" in words:
            return DISTILLED
        if "dev" in words:
            return DEV
    return None


def transformer_parameters(transformer_config: dict) -> int:
    """The parameter count of the transformer a config describes, counted on the meta device."""
    import torch
    from diffusers import LTX2VideoTransformer3DModel

    with torch.device("meta"):
        model = LTX2VideoTransformer3DModel.from_config(transformer_config)
    return sum(parameter.numel() for parameter in model.parameters())


def read_checkpoint(model_dir: str, variant: str | None = None) -> CheckpointInfo:
    """The checkpoint's identity; `variant` (the operator's --checkpoint-variant) overrides its configs."""
    directory = _local_dir(model_dir)
    transformer = _config(directory, "transformer", "config.json")
    if transformer is None:
        raise CheckpointRefused(f"{model_dir} has no transformer/config.json: not a diffusers-format LTX-2 checkpoint")
    index = _config(directory, "model_index.json")
    return CheckpointInfo(
        path=model_dir, family=family_of(transformer), variant=variant or variant_of(index, transformer),
        transformer_parameters=transformer_parameters(transformer), layers=int(transformer.get("num_layers", 48)),
        width=int(transformer.get("num_attention_heads", 32)) * int(transformer.get("attention_head_dim", 128)))


def upsampler_family(model_dir: str, upsampler_dir: str | None) -> str | None:
    """The latent upsampler's family, or None when there is no upsampler config."""
    if upsampler_dir:
        config = _config(_local_dir(upsampler_dir), "config.json") or _config(
            _local_dir(upsampler_dir), "latent_upsampler", "config.json")
    else:
        config = _config(_local_dir(model_dir), "latent_upsampler", "config.json")
    return upsampler_family_of(config) if config is not None else None


def check_recipe(info: CheckpointInfo, recipe: str, distilled_lora: str | None, upsampler: str | None) -> None:
    """Refuses a recipe, LoRA or upsampler that does not fit the checkpoint, naming what to use."""
    if info.variant is None:
        raise CheckpointRefused(
            f"cannot tell from the configs of {info.path} whether it holds the distilled or the dev transformer "
            "(diffusers' converter writes the same configs for both, and no config records a name with "
            "'distilled' or 'dev'); pass --checkpoint-variant distilled or --checkpoint-variant dev")
    weights = "ltx-2.3-22b" if info.family == "LTX-2.3" else "ltx-2-19b"
    if recipe == DISTILLED and info.variant == DEV:
        raise CheckpointRefused(
            f"{info.path} holds the {info.family} dev transformer, and the distilled recipe (8 + 3 distilled steps, no "
            f"guidance) gives noise with dev weights; use the distilled checkpoint ({weights}-distilled in "
            f"diffusers format) with --recipe distilled, or keep this one with --recipe full --distilled-lora "
            f"{weights}-distilled-lora-384.safetensors (Lightricks' two-stage dev flow)")
    if recipe == FULL and info.variant == DISTILLED:
        raise CheckpointRefused(
            f"{info.path} holds the {info.family} distilled transformer, which is trained without guidance for the "
            f"distilled sigmas; use --recipe distilled, or the dev checkpoint ({weights}-dev) for --recipe full")
    if distilled_lora and recipe != FULL:
        raise CheckpointRefused("--distilled-lora is for the dev checkpoint's two-stage flow (--recipe full); "
                                "the distilled checkpoint needs no LoRA")
    if distilled_lora and not os.path.exists(distilled_lora):
        raise CheckpointRefused(f"--distilled-lora {distilled_lora}: no such file")
    two_stage = recipe == DISTILLED or bool(distilled_lora)
    if two_stage and upsampler is None:
        raise CheckpointRefused(f"the two-stage recipe needs the latent upsampler: {info.path} has no "
                                "latent_upsampler/config.json; pass --upsampler-dir")
    if two_stage and upsampler != info.family:
        expected = "ltx-2.3-spatial-upscaler-x2" if info.family == "LTX-2.3" else "ltx-2-spatial-upscaler-x2-1.0"
        raise CheckpointRefused(
            f"the latent upsampler is {upsampler}'s but the transformer is {info.family}'s: their latents do not "
            f"match; use {info.family}'s upsampler ({expected}, converted to diffusers) with --upsampler-dir")


def check_device(info: CheckpointInfo, device: str | None, cuda_available: bool, cuda_reason: str) -> str:
    """The device to load on. A real-size checkpoint without CUDA is refused unless --device cpu was given."""
    if device and device.startswith("cuda") and not cuda_available:
        raise CheckpointRefused(f"--device {device}: CUDA is not available ({cuda_reason})")
    if device:
        return device
    if cuda_available:
        return "cuda"
    if info.real_size:
        raise CheckpointRefused(
            f"{info.path} has a {info.transformer_parameters / 1e9:.1f} B-parameter transformer and CUDA is not "
            f"available ({cuda_reason}); run it on a CUDA GPU (scripts/run-ltx-worker.sh installs a CUDA build of "
            "torch in its own environment), or pass --device cpu to load it on the CPU in float32 anyway "
            f"(about {info.transformer_parameters * 4 / 2**30:.0f} GiB for the transformer alone)")
    return "cpu"
