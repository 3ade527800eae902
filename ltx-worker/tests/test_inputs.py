"""Fetching and decoding a job's images: signed links as they are, remote URLs under the outbound
policy (its own tests are test_outbound.py), and errors that name the field."""

import socket
import threading

import pytest
from PIL import Image

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
