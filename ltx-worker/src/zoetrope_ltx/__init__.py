"""Zoetrope's LTX-2 GPU worker: leases image-to-video jobs from a Zoetrope gateway over the worker
protocol and renders them with Lightricks' LTX-2 through diffusers."""

__version__ = "0.1.0"

LTX2_MODEL = "ltx-2-image2video"
KLING_MODEL = "kling-3-pro-image2video"
