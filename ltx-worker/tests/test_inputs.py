"""Fetching and decoding a job's images: signed links as they are, remote URLs under the outbound
policy (its own tests are test_outbound.py), and errors that name the field."""

import socket
import struct
import threading

import pytest
from PIL import Image, ImageStat

from zoetrope_ltx.inputs import InputFetcher, decode_image
from zoetrope_ltx.outbound import Policy
from zoetrope_ltx.plan import Unsupported
from zoetrope_ltx.protocol import GatewayClient
from zoetrope_ltx.request import Input


def fetcher(allow_private, **policy):
    return InputFetcher(GatewayClient("http://127.0.0.1:9", "token", "w"), Policy(allow_private, **policy))


def test_remote_urls_to_private_addresses_fail_naming_the_field(web, tmp_path):
    with pytest.raises(Unsupported, match=r"^end_image_url: could not fetch: its host is not a public address$"):
        fetcher(False, allowed_ports=frozenset({int(web.rsplit(":", 1)[1])})).fetch(
            Input(web + "/photo.png"), "end_image_url", str(tmp_path / "x"))
    with pytest.raises(Unsupported, match=r"^end_image_url: could not fetch: its port is not allowed$"):
        fetcher(False).fetch(Input(web + "/photo.png"), "end_image_url", str(tmp_path / "x"))
    with pytest.raises(Unsupported, match=r"^start_image_url: could not fetch: its URL is not http\(s\)$"):
        fetcher(False).fetch(Input("file:///etc/passwd"), "start_image_url", str(tmp_path / "x"))


def test_a_slow_remote_url_fails_naming_the_field(tmp_path):
    listener, accepted = socket.create_server(("127.0.0.1", 0)), []  # accepts, never answers
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/photo.png"
    with pytest.raises(Unsupported, match=r"^start_image_url: could not fetch: took longer than the 1\.5 s limit$"):
        fetcher(True, timeout=1.5).fetch(Input(url), "start_image_url", str(tmp_path / "x"))
    listener.close()
    assert len(accepted) == 1


def test_remote_urls_follow_redirects_and_decode_covering_the_size(web, tmp_path):
    path = fetcher(True).fetch(Input(web + "/hop"), "start_image_url", str(tmp_path / "start"))
    image = decode_image(path, "start_image_url", (64, 64))
    assert image.size == (64, 64) and image.mode == "RGB"


def test_gateway_links_are_fetched_as_they_are(web, tmp_path):
    # The gateway's own signed links (listed in the lease's inputs) skip the guard, even on loopback.
    path = fetcher(False).fetch(Input(web + "/photo.png", gateway=True), "start_image_url", str(tmp_path / "start"))
    assert decode_image(path, "start_image_url", (32, 32)).size == (32, 32)
    with pytest.raises(Unsupported, match=r"^start_image_url: could not fetch \(HTTP 404\)$"):
        fetcher(False).fetch(Input(web + "/gone.png", gateway=True), "start_image_url", str(tmp_path / "gone"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".partial")) == []


def test_undecodable_images_fail_naming_the_field(web, tmp_path):
    path = fetcher(True).fetch(Input(web + "/broken.png"), "end_image_url", str(tmp_path / "end"))
    with pytest.raises(Unsupported, match="end_image_url: not a decodable image"):
        decode_image(path, "end_image_url", (64, 64))


@pytest.mark.parametrize("value", range(1, 9))
@pytest.mark.parametrize("suffix", ["jpg", "png", "webp"])
def test_a_sideways_stored_photo_decodes_upright(tmp_path, value, suffix):
    # A 64×32 picture, left half black and right half white, stored turned back as EXIF orientation
    # `value` says; decoded, it is the upright picture again (the white half on the right). ffmpeg
    # 5.1 turns such JPEGs itself but leaves PNG and WebP pictures as stored.
    upright = Image.new("RGB", (64, 32), "black")
    upright.paste((255, 255, 255), (32, 0, 64, 32))
    back = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_270}
    stored = upright.transpose(back[value]) if value in back else upright
    exif = Image.Exif()
    exif[0x0112] = value
    path = str(tmp_path / f"photo-{value}.{suffix}")
    stored.save(path, quality=95, exif=exif)
    image = decode_image(path, "start_image_url", (64, 32))
    assert image.size == (64, 32)
    left, right = image.crop((4, 4, 28, 28)).convert("L"), image.crop((36, 4, 60, 28)).convert("L")
    assert max(left.getdata()) < 40 and min(right.getdata()) > 215


def icc_profile(colorants, curve):
    """An ICC v2 display profile of the matrix/TRC kind: `colorants` the XYZ (D50) of full red, green
    and blue; every channel the tone curve tag `curve`."""
    def xyz(values):
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)
    tags = [(b"wtpt", xyz([0.9642, 1.0, 0.8249])), (b"rXYZ", xyz(colorants[0])), (b"gXYZ", xyz(colorants[1])),
            (b"bXYZ", xyz(colorants[2])), (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    start, table, data = 128 + 4 + 12 * len(tags), b"", b""
    for name, tag in tags:
        table += name + struct.pack(">II", start + len(data), len(tag))
        data += tag + b"\0" * (-len(tag) % 4)
    header = struct.pack(">I", start + len(data)) + b"none" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp"
    return header + b"\0" * (128 - len(header)) + struct.pack(">I", len(tags)) + table + data


SRGB_CURVE = b"para\0\0\0\0" + struct.pack(">H", 3) + b"\0\0" + b"".join(
    struct.pack(">i", round(v * 65536)) for v in (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
DISPLAY_P3 = icc_profile([[0.515121, 0.241196, -0.001053], [0.291977, 0.692245, 0.041885],
                          [0.157104, 0.066574, 0.784073]], SRGB_CURVE)
P3_TO_SRGB = [[1.2249, -0.2247, 0], [-0.0420, 1.0419, 0], [-0.0197, -0.0786, 1.0979]]
"""Linear Display P3 to linear sRGB, as colour-science references publish it."""


@pytest.mark.parametrize("suffix", ["jpg", "png", "webp"])
def test_a_display_p3_photo_decodes_to_the_colours_viewers_show(tmp_path, suffix):
    # The gateway's engine does the same (ColourProfile); an untagged picture is left as it is.
    colour = (200, 90, 60)
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
    srgb = [min(max(sum(m * v for m, v in zip(row, linear)), 0), 1) for row in P3_TO_SRGB]
    expected = [255 * (12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055) for v in srgb]
    options = {"jpg": {"quality": 100, "subsampling": 0}, "png": {}, "webp": {"lossless": True}}[suffix]
    tolerance = 2.5 if suffix == "jpg" else 1.0
    for name, profile, wanted in (("p3", DISPLAY_P3, expected), ("plain", None, colour)):
        path = str(tmp_path / f"{name}.{suffix}")
        Image.new("RGB", (64, 64), colour).save(path, **options, **({"icc_profile": profile} if profile else {}))
        mean = ImageStat.Stat(decode_image(path, "start_image_url", (32, 32))).mean
        assert all(abs(m - w) <= tolerance for m, w in zip(mean, wanted)), (name, mean, wanted)
