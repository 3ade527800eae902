"""The speed options a GPU will reward, each off (or at diffusers' default) until measured: attention
backend, `torch.compile`, FP8 transformer weights (torchao), a warm-up render, the x264 preset, and
the MP4 encode overlapped with the next job's generation. These defaults are the only place the
worker's defaults are written; the CLI and the bench read them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger("zoetrope_ltx")

X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
X264_CRF = 18
"""The quality target of every preset (constant rate factor)."""


@dataclass(frozen=True)
class SpeedOptions:
    """Speed switches. Defaults are conservative, to be chosen by measurement when a GPU is lent."""

    attention_backend: str = "native"
    """A diffusers attention backend (`native` is PyTorch SDPA; `_native_cudnn`, `flash`, `_flash_3`, `sage`, …)."""
    compile: bool = False
    """torch.compile the transformer's repeated blocks."""
    fp8: bool = False
    """Quantise the transformer's linear layers to FP8 weights and activations (torchao; Ada/Hopper GPUs)."""
    warmup: bool = False
    """Render one full-size 1 s shot at start-up, so the first job does not pay for compilation and autotuning."""
    x264_preset: str = "medium"
    """The x264 preset of the MP4 encode (CRF `X264_CRF` whatever the preset)."""
    overlap_encode: bool = False
    """Finish a generated job (encode, upload, completion) on a background thread while the next job is
    leased and generated; one job finishes at a time (`finisher.py`)."""


def attention_backends() -> tuple[str, ...]:
    """The backend names diffusers 0.42.1 accepts."""
    from diffusers.models.attention_dispatch import AttentionBackendName

    return tuple(name.value for name in AttentionBackendName)


def apply_to_transformer(transformer, options: SpeedOptions) -> None:
    """Applies the attention backend, FP8 weights and compilation to a loaded transformer, in that order."""
    if options.attention_backend != "native":
        if options.attention_backend not in attention_backends():
            raise ValueError(f"--attention-backend {options.attention_backend}: not one of diffusers' backends "
                             f"({', '.join(attention_backends())})")
        # diffusers checks here that the backend's package (flash-attn, sageattention, …) is installed.
        transformer.set_attention_backend(options.attention_backend)
        log.info("attention backend: %s", options.attention_backend)
    if options.fp8:
        try:
            from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, quantize_
        except ImportError as error:
            raise RuntimeError("--fp8 needs torchao (pip install torchao==0.18.0; scripts/run-ltx-worker.sh "
                               f"installs it in the GPU environment): {error}") from None
        quantize_(transformer, Float8DynamicActivationFloat8WeightConfig())
        log.info("transformer weights quantised to FP8 (torchao)")
    if options.compile:
        transformer.compile_repeated_blocks(fullgraph=True)
        log.info("transformer blocks compiled (torch.compile, compiled on first use)")
