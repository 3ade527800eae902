"""Fetching and decoding a job's images: signed links, remote URLs behind the SSRF guard (redirects
checked hop by hop), and errors that name the field."""

import pytest

from zoetrope_ltx.inputs import InputFetcher, decode_image, refusal
from zoetrope_ltx.plan import Unsupported
from zoetrope_ltx.protocol import GatewayClient
from zoetrope_ltx.request import Input


def fetcher(allow_private):
    return InputFetcher(GatewayClient("http://127.0.0.1:9", "token", "w"), allow_private)


def test_private_and_loopback_hosts_are_refused():
    assert "non-public" in refusal("127.0.0.1") and "non-public" in refusal("10.1.2.3")
    assert "non-public" in refusal("::1") and "non-public" in refusal("169.254.169.254")
    assert refusal("8.8.8.8") is None


def test_remote_urls_to_private_addresses_fail_naming_the_field(web, tmp_path):
    with pytest.raises(Unsupported, match=r"end_image_url: cannot fetch http://127\.0\.0\.1.*non-public"):
        fetcher(False).fetch(Input(web + "/photo.png"), "end_image_url", str(tmp_path / "x"))
    with pytest.raises(Unsupported, match="only http"):
        fetcher(False).fetch(Input("file:///etc/passwd"), "start_image_url", str(tmp_path / "x"))


def test_remote_urls_follow_redirects_and_decode_covering_the_size(web, tmp_path):
    path = fetcher(True).fetch(Input(web + "/hop"), "start_image_url", str(tmp_path / "start"))
    image = decode_image(path, "start_image_url", (64, 64))
    assert image.size == (64, 64) and image.mode == "RGB"


def test_gateway_links_are_fetched_as_they_are(web, tmp_path):
    # The gateway's own signed links (listed in the lease's inputs) skip the guard, even on loopback.
    path = fetcher(False).fetch(Input(web + "/photo.png", gateway=True), "start_image_url", str(tmp_path / "start"))
    assert decode_image(path, "start_image_url", (32, 32)).size == (32, 32)
    with pytest.raises(Unsupported, match="start_image_url: could not be fetched \\(HTTP 404\\)"):
        fetcher(False).fetch(Input(web + "/gone.png", gateway=True), "start_image_url", str(tmp_path / "gone"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".partial")) == []


def test_undecodable_images_fail_naming_the_field(web, tmp_path):
    path = fetcher(True).fetch(Input(web + "/broken.png"), "end_image_url", str(tmp_path / "end"))
    with pytest.raises(Unsupported, match="end_image_url: not a decodable image"):
        decode_image(path, "end_image_url", (64, 64))
