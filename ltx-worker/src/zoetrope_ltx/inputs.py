"""Fetching a job's images: the gateway's own signed links as they are, the client's URLs under the
outbound policy (`outbound.py`, the gateway's own), decoded with ffmpeg."""

from __future__ import annotations

import io
import logging
import os
import subprocess

import requests
from PIL import Image, ImageCms, ImageOps

from .outbound import FetchError, Policy, fetch
from .protocol import GatewayClient, Refused, TooLarge, with_retries
from .request import Input
from .plan import Unsupported

log = logging.getLogger("zoetrope_ltx")

MAX_INPUT_BYTES = 52_428_800


class InputFetcher:
    """Brings a job's inputs into its scratch directory."""

    def __init__(self, client: GatewayClient, policy: Policy = Policy()):
        self.client = client
        self.policy = policy

    def fetch(self, item: Input, field: str, path: str) -> str:
        """Fetches `item` into `path`; raises `Unsupported` naming `field` when it cannot."""
        if not item.gateway:
            try:
                fetch(item.url, path, MAX_INPUT_BYTES, self.policy)
            except FetchError as error:
                raise Unsupported(f"{field}: {error}") from error
            return path
        try:
            with_retries(lambda: self.client.download(item.url, path, MAX_INPUT_BYTES), f"download of {field}")
        except Refused as error:
            raise Unsupported(f"{field}: could not fetch (HTTP {error.status})") from error
        except (requests.RequestException, ValueError) as error:
            log.debug("download of %s failed: %r", field, error)
            message = str(error) if isinstance(error, TooLarge) else "not reachable"
            raise Unsupported(f"{field}: could not fetch: {message}") from error
        return path


UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""What turns stored pixels upright, by EXIF orientation (the gateway's ImageOrientation)."""


def declared(path: str) -> tuple[int | None, bytes | None]:
    """What a JPEG, PNG or WebP declares, read in one open: its EXIF orientation (1–8; 1 when it
    declares none) and its embedded ICC profile (None without one). (None, None) for a file of
    another format (ffmpeg reads its rotation, if any), as the gateway's ImageOrientation and
    ColourProfile."""
    try:
        with Image.open(path) as image:
            if image.format not in ("JPEG", "PNG", "WEBP"):
                return None, None
            profile = image.info.get("icc_profile") or None
            try:
                value = image.getexif().get(0x0112, 1)
            except Exception:  # noqa: BLE001 — an EXIF block Pillow cannot read: ffmpeg's rotation
                return None, profile
    except Exception:  # noqa: BLE001 — any file ffmpeg reads and Pillow does not
        return None, None
    return (value if value in UPRIGHT else 1), profile


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def in_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """An RGB picture's colours turned from its embedded RGB `profile` into sRGB (relative
    colorimetric, as browsers show a picture of a wider gamut: a phone's Display P3 photo keeps its
    colours); as it is without a profile, or with one that is not RGB or cannot be read."""
    if not profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if source.profile.xcolor_space.strip() != "RGB":
            return image
        return ImageCms.profileToProfile(image, source, SRGB, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                         outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError) as error:
        log.info("the picture's colour profile is not used (%s)", error)
        return image


def decode_image(path: str, field: str, size: tuple[int, int]) -> Image.Image:
    """Decodes any image ffmpeg reads, in sRGB when it embeds another colour profile and turned
    upright as its EXIF orientation says (viewers show it so), scaled to cover `size` (width,
    height) and centre-cropped. A JPEG, PNG or WebP is turned here with ffmpeg's own rotation off,
    so every ffmpeg version turns it once (ffmpeg 5.1 turns JPEGs but not PNG or WebP pictures);
    ffmpeg turns any other file it can."""
    png = path + ".png"
    orientation, profile = declared(path)
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-y"] + ([] if orientation is None else ["-noautorotate"])
        + ["-i", path, "-frames:v", "1", png],
        capture_output=True, text=True)
    if result.returncode != 0 or not os.path.exists(png):
        raise Unsupported(f"{field}: not a decodable image ({result.stderr.strip()[:200] or 'no picture'})")
    with Image.open(png) as image:
        upright = in_srgb(image.convert("RGB"), profile)
    turn = UPRIGHT.get(orientation)
    if turn is not None:
        upright = upright.transpose(turn)
    return ImageOps.fit(upright, size, method=Image.Resampling.LANCZOS)
