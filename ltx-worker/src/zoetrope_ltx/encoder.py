"""Writes a job's clips as one MP4 with ffmpeg: H.264 High, yuv420p, 24 fps, +faststart, and an
AAC-LC 48 kHz track the length of the video when the job wants audio (docs/API.md: output
media)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

from .speed import X264_CRF, SpeedOptions

X264_PRESET = SpeedOptions().x264_preset


@dataclass
class Clip:
    """One shot's generated frames (uint8, frames × height × width × 3) and audio
    (float32, channels × samples at `sample_rate`), of which `keep_frames` frames are delivered."""

    frames: np.ndarray
    audio: np.ndarray | None
    sample_rate: int
    keep_frames: int


class EncodeError(Exception):
    pass


def soundtrack(clips: list[Clip], frame_rate: float) -> tuple[np.ndarray, int]:
    """The clips' audio joined, each cut or padded with silence to its kept frames' length, so the
    track lasts exactly as long as the video."""
    rate = clips[0].sample_rate
    channels = max(clip.audio.shape[0] for clip in clips if clip.audio is not None)
    parts = []
    for clip in clips:
        samples = int(round(clip.keep_frames / frame_rate * rate))
        part = np.zeros((channels, samples), dtype=np.float32)
        if clip.audio is not None:
            audio = clip.audio[:, :samples]
            part[: audio.shape[0], : audio.shape[1]] = audio
            if audio.shape[0] == 1 and channels == 2:
                part[1, : audio.shape[1]] = audio[0]
        parts.append(part)
    return np.concatenate(parts, axis=1), rate


def encode(clips: list[Clip], path: str, output_size: tuple[int, int], frame_rate: float, with_audio: bool,
           preset: str = X264_PRESET) -> None:
    """Encodes into `path` through a temporary name in the same directory; nothing is left at
    `path` on failure. `preset` is x264's speed preset; the quality target is CRF `X264_CRF` whatever it is."""
    height, width = clips[0].frames.shape[1:3]
    out_width, out_height = output_size
    if out_width > width or out_height > height:
        raise EncodeError(f"the output {out_width}×{out_height} is larger than the frames {width}×{height}")
    directory = os.path.dirname(os.path.abspath(path))
    partial = tempfile.NamedTemporaryFile(dir=directory, prefix=".partial-", suffix=".mp4", delete=False).name
    audio_file = None
    try:
        command = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                   "-r", str(frame_rate), "-i", "pipe:0"]
        if with_audio:
            track, rate = soundtrack(clips, frame_rate)
            audio_file = partial + ".f32"
            np.ascontiguousarray(track.T, dtype="<f4").tofile(audio_file)
            command += ["-f", "f32le", "-ar", str(rate), "-ac", str(track.shape[0]), "-i", audio_file]
        command += ["-vf", f"crop={out_width}:{out_height}:{(width - out_width) // 2}:{(height - out_height) // 2}",
                    "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p",
                    "-preset", preset, "-crf", str(X264_CRF)]
        if with_audio:
            command += ["-c:a", "aac", "-ar", "48000", "-b:a", "192k"]
        command += ["-movflags", "+faststart", "-f", "mp4", partial]
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors)
            try:
                for clip in clips:
                    for frame in clip.frames[: clip.keep_frames]:
                        process.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
                process.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early: its exit status and message say why
            except BaseException:
                process.kill()
                process.wait()
                raise
            if process.wait() != 0:
                errors.seek(0)
                raise EncodeError(f"ffmpeg failed: {errors.read().decode(errors='replace').strip()[:500]}")
        os.replace(partial, path)
    finally:
        for leftover in (partial, audio_file):
            if leftover and os.path.exists(leftover):
                os.unlink(leftover)
