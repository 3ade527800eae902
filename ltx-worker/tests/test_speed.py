"""The speed options on the real tiny transformer and encoder: what a CPU can check of them (the
figures they are for need a GPU)."""

import importlib.util

import numpy as np
import pytest

from conftest import probe
from zoetrope_ltx.encoder import Clip, encode
from zoetrope_ltx.speed import SpeedOptions, apply_to_transformer
from zoetrope_ltx.tiny import tiny_components


@pytest.fixture
def transformer():
    return tiny_components()["transformer"]


def test_the_defaults_leave_the_transformer_as_diffusers_made_it(transformer):
    apply_to_transformer(transformer, SpeedOptions())
    assert not any(getattr(m, "_compiled_call_impl", None) for m in transformer.modules())


def test_an_unknown_attention_backend_is_named(transformer):
    with pytest.raises(ValueError, match="--attention-backend flash4ever: not one of diffusers' backends"):
        apply_to_transformer(transformer, SpeedOptions(attention_backend="flash4ever"))


@pytest.mark.skipif(importlib.util.find_spec("torchao") is not None, reason="torchao is installed here")
def test_fp8_without_torchao_names_the_package(transformer):
    with pytest.raises(RuntimeError, match=r"--fp8 needs torchao \(pip install torchao==0.18.0"):
        apply_to_transformer(transformer, SpeedOptions(fp8=True))


def test_a_faster_x264_preset_keeps_the_promised_mp4(tmp_path):
    rng = np.random.default_rng(0)
    clip = Clip(rng.integers(0, 255, (25, 64, 64, 3), dtype=np.uint8), None, 24000, 24)
    path = str(tmp_path / "fast.mp4")
    encode([clip], path, (64, 36), 24.0, False, preset="veryfast")
    video = probe(path)["video"]
    assert (video["codec_name"], video["profile"], video["width"], video["height"]) == ("h264", "High", 64, 36)
    assert int(video["nb_read_frames"]) == 24
