"""What a checkpoint is, read from its configs, and the start-up refusals it leads to: a real-size
checkpoint without CUDA, a recipe the weights were not trained for, a latent upsampler of another
LTX-2 version. The refusals are checked where operators meet them: the worker's exit and log."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from diffusers import LTX2VideoTransformer3DModel
from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel

from zoetrope_ltx.checkpoint import (
    CheckpointRefused, check_device, check_recipe, read_checkpoint, upsampler_family)
from zoetrope_ltx.plan import DISTILLED, FULL
from zoetrope_ltx.schedule import dev_sigmas


def worker(*args):
    """The worker's start-up against a gateway that is not there: it must stop before it ever leases."""
    return subprocess.run([sys.executable, "-m", "zoetrope_ltx", "--gateway", "http://127.0.0.1:9", "--token", "t",
                           *args], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def real_size_configs(tmp_path_factory):
    """The configs of a full-size LTX-2.0 distilled checkpoint (diffusers' defaults are LTX-2's sizes), no weights."""
    directory = tmp_path_factory.mktemp("ltx-2-19b-distilled")
    with torch.device("meta"):
        LTX2VideoTransformer3DModel().save_config(str(directory / "transformer"))
        LTX2LatentUpsamplerModel().save_config(str(directory / "latent_upsampler"))
    config = json.loads((directory / "transformer" / "config.json").read_text())
    config["_name_or_path"] = "Lightricks/LTX-2/ltx-2-19b-distilled"
    (directory / "transformer" / "config.json").write_text(json.dumps(config))
    return str(directory)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_real_size_checkpoint_without_cuda_is_refused_with_the_reason(real_size_configs):
    info = read_checkpoint(real_size_configs)
    assert (info.family, info.variant, info.layers, info.width) == ("LTX-2.0", DISTILLED, 48, 4096)
    assert info.real_size and 18e9 < info.transformer_parameters < 20e9
    answer = worker("--model-dir", real_size_configs)
    assert answer.returncode == 2, answer.stdout + answer.stderr
    assert "refusing to start" in answer.stdout
    assert "B-parameter transformer and CUDA is not available (torch" in answer.stdout
    assert "pass --device cpu" in answer.stdout and "serving" not in answer.stdout
    # The decision itself: CUDA, or an explicit --device cpu, lets it load.
    assert check_device(info, None, True, "") == "cuda"
    assert check_device(info, "cpu", False, "a CPU build") == "cpu"
    with pytest.raises(CheckpointRefused, match="--device cuda:1: CUDA is not available"):
        check_device(info, "cuda:1", False, "a CPU build")


def test_the_tiny_checkpoint_falls_back_to_the_cpu_and_is_not_real_size(tiny_checkpoint):
    info = read_checkpoint(tiny_checkpoint)
    assert (info.family, info.variant, info.real_size) == ("LTX-2.0", DISTILLED, False)
    assert check_device(info, None, False, "a CPU build") == "cpu"


@pytest.fixture(scope="module")
def tiny_dev_checkpoint(tmp_path_factory):
    from zoetrope_ltx.tiny import save

    directory = str(tmp_path_factory.mktemp("tiny-ltx2-dev"))
    save(directory, variant="dev")
    return directory


def test_a_dev_checkpoint_with_the_distilled_recipe_is_refused_naming_the_fix(tiny_dev_checkpoint):
    answer = worker("--model-dir", tiny_dev_checkpoint, "--recipe", "distilled")
    assert answer.returncode == 2, answer.stdout + answer.stderr
    assert "holds the LTX-2.0 dev transformer" in answer.stdout
    assert "use the distilled checkpoint (ltx-2-19b-distilled in diffusers format) with --recipe distilled" \
        in answer.stdout
    assert "--recipe full --distilled-lora ltx-2-19b-distilled-lora-384.safetensors" in answer.stdout


def test_recipes_loras_and_variants_that_do_not_fit_are_refused(tiny_checkpoint, tiny_dev_checkpoint):
    distilled, dev = read_checkpoint(tiny_checkpoint), read_checkpoint(tiny_dev_checkpoint)
    with pytest.raises(CheckpointRefused, match="use --recipe distilled, or the dev checkpoint"):
        check_recipe(distilled, FULL, None, "LTX-2.0")
    with pytest.raises(CheckpointRefused, match="--distilled-lora is for the dev checkpoint's two-stage flow"):
        check_recipe(distilled, DISTILLED, "lora.safetensors", "LTX-2.0")
    check_recipe(dev, FULL, None, None)  # one stage: no upsampler needed
    # A checkpoint whose configs do not say which it is, unless the operator does.
    unnamed = read_checkpoint(tiny_checkpoint)
    unnamed = type(unnamed)(**{**unnamed.__dict__, "variant": None})
    with pytest.raises(CheckpointRefused, match="pass --checkpoint-variant distilled or --checkpoint-variant dev"):
        check_recipe(unnamed, DISTILLED, None, "LTX-2.0")
    assert read_checkpoint(tiny_dev_checkpoint, "distilled").variant == DISTILLED


def test_a_latent_upsampler_of_another_version_is_refused(tiny_checkpoint, tmp_path):
    other = tmp_path / "ltx-2.3-upsampler"
    shutil.copytree(os.path.join(tiny_checkpoint, "latent_upsampler"), other)
    config = json.loads((other / "config.json").read_text())
    config["use_rational_resampler"] = False  # how diffusers' converter writes LTX-2.3's spatial upsampler
    (other / "config.json").write_text(json.dumps(config))
    assert upsampler_family(tiny_checkpoint, None) == "LTX-2.0"
    assert upsampler_family(tiny_checkpoint, str(other)) == "LTX-2.3"
    with pytest.raises(CheckpointRefused, match="the latent upsampler is LTX-2.3's but the transformer is LTX-2.0's"):
        check_recipe(read_checkpoint(tiny_checkpoint), DISTILLED, None, upsampler_family(tiny_checkpoint, str(other)))


def test_the_dev_schedule_is_lightricks_fixed_schedule():
    sigmas = dev_sigmas(40)
    assert len(sigmas) == 40 and sigmas[0] == 1.0 and sigmas[-1] == pytest.approx(0.1)
    assert all(a > b for a, b in zip(sigmas, sigmas[1:]))
    # The shift of 4096 tokens (2.05), not of a 1080p clip's token count: the middle step is well below 1.
    assert sigmas[20] == pytest.approx(0.8769, abs=1e-3)
    assert dev_sigmas(40) == dev_sigmas(40)
