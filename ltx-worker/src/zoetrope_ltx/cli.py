"""`zoetrope-ltx-worker`: connects to a gateway and renders its LTX-2 jobs on this machine's GPU."""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile

from . import KLING_MODEL, LTX2_MODEL
from .plan import DISTILLED, RECIPES, SizeProfile


def parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="zoetrope-ltx-worker",
        description="Leases ltx-2-image2video jobs from a Zoetrope gateway and renders them with LTX-2 (diffusers).")
    p.add_argument("--gateway", default=env("ZOETROPE_GATEWAY"), help="the gateway's base URL (ZOETROPE_GATEWAY)")
    p.add_argument("--token", default=env("ZOETROPE_WORKER_TOKEN"),
                   help="a worker token from `zoetrope keys create --worker` (ZOETROPE_WORKER_TOKEN)")
    p.add_argument("--model-dir", default=env("ZOETROPE_LTX_MODEL_DIR"),
                   help="a diffusers-format LTX-2 checkpoint: a local directory, or a Hugging Face repo id already "
                        "in the local cache (ZOETROPE_LTX_MODEL_DIR); `python -m zoetrope_ltx.tiny DIR` writes a tiny "
                        "random one for tests")
    p.add_argument("--upsampler-dir", default=env("ZOETROPE_LTX_UPSAMPLER_DIR"),
                   help="the latent upsampler (LTX2LatentUpsamplerModel); default: MODEL_DIR/latent_upsampler")
    p.add_argument("--recipe", choices=RECIPES, default=env("ZOETROPE_LTX_RECIPE", DISTILLED),
                   help="distilled: two stages (8 + 3 steps, latent upsampler, guidance 1); "
                        "full: one stage at the output size with classifier-free guidance from cfg_scale")
    p.add_argument("--steps", type=int, default=40, help="denoising steps of the full recipe")
    p.add_argument("--also-kling", action="store_true",
                   help=f"also serve {KLING_MODEL} (the gateway's built-in engine competes for those jobs "
                        "unless it runs with --no-local-runner)")
    p.add_argument("--device", default=env("ZOETROPE_LTX_DEVICE"), help="torch device (default: cuda when present)")
    p.add_argument("--dtype", choices=("bfloat16", "float32"), help="default: bfloat16 on GPU, float32 on CPU")
    p.add_argument("--offload", choices=("none", "model", "sequential"), default="none",
                   help="CPU offloading for smaller GPUs: whole models (model) or layer by layer (sequential, slowest)")
    p.add_argument("--vae-tiling", action=argparse.BooleanOptionalAction, default=True,
                   help="decode the video in tiles (on by default: a 1080p decode in one piece needs many GB more)")
    p.add_argument("--size-divisor", type=int, default=1,
                   help="divide the 1080p output sizes by this (the tests' tiny checkpoint uses 30)")
    p.add_argument("--work-dir", default=None, help="scratch directory for jobs (default: a temporary one)")
    p.add_argument("--worker-id", default=f"{socket.gethostname()}-ltx-{os.getpid()}")
    p.add_argument("--allow-private-inputs", action="store_true",
                   default=env("ZOETROPE_ALLOW_PRIVATE_INPUTS", "") in ("1", "true"),
                   help="let remote image URLs reach private and loopback addresses")
    p.add_argument("--seed", type=int, default=None, help="fixed seed for every job (default: random)")
    return p


def main(argv: list[str] | None = None) -> int:
    arguments = parser()
    args = arguments.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    log = logging.getLogger("zoetrope_ltx")
    if not args.gateway or not args.token:
        arguments.error("--gateway and --token are required (or ZOETROPE_GATEWAY and ZOETROPE_WORKER_TOKEN)")
    if not args.model_dir:
        arguments.error("--model-dir is required (a diffusers-format LTX-2 checkpoint, or ZOETROPE_LTX_MODEL_DIR)")

    from .media import check_media_tools
    try:
        log.info("media tools: %s", check_media_tools())
    except RuntimeError as error:
        log.error("%s", error)
        return 2

    # Import torch only now: --help and argument errors stay fast.
    from .generator import LTX2Generator
    from .inputs import InputFetcher
    from .protocol import GatewayClient
    from .worker import Worker

    try:
        generator = LTX2Generator.load(
            model_dir=args.model_dir, upsampler_dir=args.upsampler_dir, device=args.device,
            dtype=args.dtype, offload=args.offload, vae_tiling=args.vae_tiling, recipe=args.recipe, steps=args.steps,
            seed=args.seed)
    except Exception as error:  # noqa: BLE001 — a missing or partial checkpoint, no GPU, …
        log.error("could not load LTX-2 from %s: %s: %s", args.model_dir, type(error).__name__, error)
        return 2
    client = GatewayClient(args.gateway, args.token, args.worker_id)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix="zoetrope-ltx-")
    os.makedirs(work_dir, exist_ok=True)
    if not args.work_dir:
        atexit.register(shutil.rmtree, work_dir, True)
    models = [LTX2_MODEL] + ([KLING_MODEL] if args.also_kling else [])
    worker = Worker(client, generator, models, work_dir, InputFetcher(client, args.allow_private_inputs),
                    SizeProfile(args.size_divisor))

    def stop(signum, _frame):
        log.info("%s: finishing (a job in progress is handed back)", signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        worker.run()
    except Exception as error:  # noqa: BLE001
        log.error("worker stopped: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
