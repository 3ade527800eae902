"""The system tools the worker needs, checked at start-up."""

from __future__ import annotations

import shutil
import subprocess


def check_media_tools() -> str:
    """ffmpeg's and ffprobe's versions; a RuntimeError naming the Debian package when missing."""
    versions = []
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed; install the Debian package 'ffmpeg' (apt-get install ffmpeg)")
        first = subprocess.run([tool, "-version"], capture_output=True, text=True).stdout.splitlines()
        versions.append(first[0] if first else tool)
    return "; ".join(versions)
