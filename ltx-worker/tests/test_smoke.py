"""The start-up smoke render: weights that load but do not make video stop the worker, with the
reason and a non-zero exit, before it leases anything. The broken checkpoints are the tiny one with
real weights spoilt the way real ones go wrong (NaN values, a decoder that paints one colour)."""

import glob
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from zoetrope_ltx.smoke import SmokeRenderFailed, check_frames


def spoil(checkpoint, directory, component, change):
    """A copy of `checkpoint` whose `component` weights went through `change(state_dict)`."""
    shutil.copytree(checkpoint, directory)
    (path,) = glob.glob(os.path.join(directory, component, "*.safetensors"))
    weights = load_file(path)
    change(weights)
    save_file(weights, path)
    return str(directory)


def start(model_dir):
    return subprocess.run([sys.executable, "-m", "zoetrope_ltx", "--gateway", "http://127.0.0.1:9", "--token", "t",
                           "--model-dir", model_dir], capture_output=True, text=True, timeout=180)


def test_nan_weights_stop_the_worker_before_it_leases(tiny_checkpoint, tmp_path):
    def nan(weights):
        weights["proj_out.weight"] = torch.full_like(weights["proj_out.weight"], float("nan"))

    answer = start(spoil(tiny_checkpoint, tmp_path / "nan", "transformer", nan))
    assert answer.returncode == 3, answer.stdout + answer.stderr
    assert "smoke render failed, not leasing any job: the decoded video holds NaN or infinite values" in answer.stdout
    assert "serving" not in answer.stdout and "lease" not in answer.stdout.replace("not leasing", "")


def test_a_decoder_that_paints_one_colour_stops_the_worker(tiny_checkpoint, tmp_path):
    def flat(weights):
        weights["decoder.conv_out.conv.weight"] = torch.zeros_like(weights["decoder.conv_out.conv.weight"])

    answer = start(spoil(tiny_checkpoint, tmp_path / "flat", "vae", flat))
    assert answer.returncode == 3, answer.stdout + answer.stderr
    assert "smoke render failed, not leasing any job: every frame is one flat colour" in answer.stdout


def test_frozen_frames_are_degenerate_and_moving_noise_is_not():
    rng = np.random.default_rng(0)
    still = np.repeat(rng.integers(0, 255, (1, 16, 16, 3), dtype=np.uint8), 9, axis=0)
    with pytest.raises(SmokeRenderFailed, match="every frame is the same picture"):
        check_frames(still)
    check_frames(rng.integers(0, 255, (9, 16, 16, 3), dtype=np.uint8))
