"""Fetching a job's images: the gateway's own signed links as they are, the client's URLs behind a
guard (refusing private addresses, as the gateway's own fetcher does), decoded with ffmpeg."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
from urllib.parse import urlsplit

import requests
from PIL import Image, ImageOps

from .protocol import GatewayClient, Refused, download, with_retries
from .request import Input
from .plan import Unsupported

MAX_INPUT_BYTES = 52_428_800


def refusal(host: str) -> str | None:
    """Why `host` may not be fetched (it resolves to a non-public address), or None."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return f"its host {host} does not resolve ({error.strerror})"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not (mapped or address).is_global or address.is_multicast:
            return f"its host {host} is a non-public address ({address})"
    return None


class InputFetcher:
    """Brings a job's inputs into its scratch directory."""

    def __init__(self, client: GatewayClient, allow_private: bool = False):
        self.client = client
        self.allow_private = allow_private
        self.public = requests.Session()

    def fetch(self, item: Input, field: str, path: str) -> str:
        try:
            if item.gateway:
                with_retries(lambda: self.client.download(item.url, path, MAX_INPUT_BYTES), f"download of {field}")
            else:
                def check(url: str) -> None:
                    parts = urlsplit(url)
                    if parts.scheme not in ("http", "https") or not parts.hostname:
                        raise Unsupported(f"{field}: only http(s) URLs can be fetched, not {url}")
                    if not self.allow_private and (reason := refusal(parts.hostname)):
                        raise Unsupported(f"{field}: cannot fetch {url}: {reason}")

                download(self.public, item.url, path, MAX_INPUT_BYTES, check=check)
        except Refused as error:
            raise Unsupported(f"{field}: could not be fetched (HTTP {error.status})") from error
        except (requests.RequestException, ValueError) as error:
            raise Unsupported(f"{field}: could not be fetched: {error}") from error
        return path


def decode_image(path: str, field: str, size: tuple[int, int]) -> Image.Image:
    """Decodes any image ffmpeg reads, scaled to cover `size` (width, height) and centre-cropped."""
    png = path + ".png"
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", path, "-frames:v", "1", png], capture_output=True, text=True)
    if result.returncode != 0 or not os.path.exists(png):
        raise Unsupported(f"{field}: not a decodable image ({result.stderr.strip()[:200] or 'no picture'})")
    with Image.open(png) as image:
        return ImageOps.fit(image.convert("RGB"), size, method=Image.Resampling.LANCZOS)
