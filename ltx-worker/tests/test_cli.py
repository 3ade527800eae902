"""`zoetrope-ltx-worker`'s start-up errors: each names what to fix and exits non-zero."""

import os
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
    for switch in ("--model-dir", "--recipe", "--offload", "--vae-tiling", "--also-kling", "--dtype",
                   "--allow-private-inputs", "--allow-outbound-port", "--fetch-timeout", "--fetch-min-rate",
                   "--checkpoint-variant", "--distilled-lora", "--attention-backend", "--compile", "--fp8",
                   "--warmup", "--x264-preset", "--overlap-encode", "text-encoder"):
        assert switch in text


def test_outbound_flags_and_their_environment(monkeypatch):
    from zoetrope_ltx.cli import outbound_policy, parser

    for name in ("ZOETROPE_FETCH_TIMEOUT", "ZOETROPE_FETCH_MIN_RATE", "ZOETROPE_ALLOW_PRIVATE_INPUTS"):
        monkeypatch.delenv(name, raising=False)
    default = outbound_policy(parser().parse_args([]), "")
    assert (default.allow_private, default.allowed_ports, default.timeout, default.min_rate) == (False, frozenset(), 60, 16384)
    args = parser().parse_args(["--allow-outbound-port", "8080", "--allow-outbound-port", "8443",
                                "--fetch-timeout", "15", "--fetch-min-rate", "0"])
    policy = outbound_policy(args, "9000, 9001")
    assert policy.allowed_ports == {8080, 8443, 9000, 9001} and (policy.timeout, policy.min_rate) == (15, 0)
    monkeypatch.setenv("ZOETROPE_FETCH_TIMEOUT", "2.5")
    monkeypatch.setenv("ZOETROPE_FETCH_MIN_RATE", "1000")
    policy = outbound_policy(parser().parse_args([]), "")
    assert (policy.timeout, policy.min_rate) == (2.5, 1000)


def test_bad_outbound_settings_are_named():
    for flags in (["--allow-outbound-port", "70000"], ["--fetch-timeout", "0"], ["--fetch-min-rate", "-1"]):
        answer = run(*flags)
        assert answer.returncode == 2 and flags[0] in answer.stderr
    env = {**os.environ, "ZOETROPE_ALLOW_OUTBOUND_PORTS": "8080,http"}
    answer = run("--gateway", "http://127.0.0.1:9", "--token", "t", "--model-dir", "x", env=env)
    assert answer.returncode == 2 and "ZOETROPE_ALLOW_OUTBOUND_PORTS: not a port: 'http'" in answer.stderr
