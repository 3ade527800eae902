"""What the worker runs on, for its start-up log: torch's build, its CUDA version, the GPU and driver."""

from __future__ import annotations

import shutil
import subprocess


def cuda_status() -> tuple[bool, str]:
    """Whether CUDA is usable, and why not when it is not (a CPU build of torch, no driver, no GPU)."""
    import torch

    if torch.version.cuda is None:
        return False, f"torch {torch.__version__} is a CPU build"
    if not torch.cuda.is_available():
        return False, f"torch {torch.__version__} is built for CUDA {torch.version.cuda} but finds no usable GPU or driver"
    return True, ""


def driver_version() -> str:
    """The NVIDIA driver's version, from nvidia-smi; "unknown" without it."""
    if shutil.which("nvidia-smi") is None:
        return "unknown (no nvidia-smi)"
    answer = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                            capture_output=True, text=True, timeout=30)
    return answer.stdout.strip().splitlines()[0] if answer.returncode == 0 and answer.stdout.strip() else "unknown"


def describe(device: str) -> str:
    """torch's version and CUDA version, and the device: the GPU's name, memory and driver, or the CPU."""
    import os

    import torch

    text = f"torch {torch.__version__} (CUDA {torch.version.cuda or 'none'})"
    if device.startswith("cuda"):
        properties = torch.cuda.get_device_properties(torch.device(device))
        return (f"{text}; {device}: {properties.name}, {properties.total_memory / 2**30:.0f} GiB, compute capability "
                f"{properties.major}.{properties.minor}, driver {driver_version()}")
    return f"{text}; {device}: CPU ({os.cpu_count()} cores)"
