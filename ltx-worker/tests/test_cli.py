"""`zoetrope-ltx-worker`'s start-up errors: each names what to fix and exits non-zero."""

import subprocess
import sys


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "zoetrope_ltx", *args], capture_output=True, text=True, timeout=120,
                          env=env)


def test_gateway_token_and_model_are_required(monkeypatch):
    monkeypatch.delenv("ZOETROPE_GATEWAY", raising=False)
    monkeypatch.delenv("ZOETROPE_WORKER_TOKEN", raising=False)
    missing = run()
    assert missing.returncode == 2 and "--gateway and --token are required" in missing.stderr
    no_model = run("--gateway", "http://127.0.0.1:9", "--token", "t")
    assert no_model.returncode == 2 and "--model-dir is required" in no_model.stderr


def test_a_checkpoint_that_is_not_there_is_named(tmp_path):
    answer = run("--gateway", "http://127.0.0.1:9", "--token", "t", "--model-dir", str(tmp_path / "nothing"))
    assert answer.returncode == 2
    assert f"could not load LTX-2 from {tmp_path / 'nothing'}" in answer.stdout


def test_help_lists_the_switches():
    text = run("--help").stdout
    for switch in ("--model-dir", "--recipe", "--offload", "--vae-tiling", "--also-kling", "--dtype"):
        assert switch in text
