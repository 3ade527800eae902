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
from .outbound import Policy
from .checkpoint import VARIANTS
from .plan import DISTILLED, OFFLOADS, RECIPES, SizeProfile
from .speed import X264_PRESETS, SpeedOptions

SPEED = SpeedOptions()


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text!r}")
    return value


def seconds(text: str) -> float:
    value = number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def number(text: str) -> float:
    """A finite number, at least 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number at least 0: {text!r}")
    return value


def outbound_policy(args: argparse.Namespace, environment: str) -> Policy:
    """The outbound policy of the flags, the ports of ZOETROPE_ALLOW_OUTBOUND_PORTS (`environment`) added."""
    ports = {port(item) for item in environment.split(",") if item.strip()}
    ports.update(args.allow_outbound_ports or ())
    return Policy(allow_private=args.allow_private_inputs, allowed_ports=frozenset(ports),
                  timeout=args.fetch_timeout, min_rate=args.fetch_min_rate)


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
                   help="distilled (the distilled checkpoint): two stages (8 + 3 steps, latent upsampler, guidance 1); "
                        "full (the dev checkpoint): Lightricks' dev schedule with classifier-free guidance from "
                        "cfg_scale, one stage at the output size, or two with --distilled-lora")
    p.add_argument("--steps", type=int, default=40, help="denoising steps of the full recipe's first stage")
    p.add_argument("--checkpoint-variant", choices=VARIANTS, default=env("ZOETROPE_LTX_CHECKPOINT_VARIANT"),
                   help="whether --model-dir holds the distilled or the dev transformer, when its configs do not say "
                        "(ZOETROPE_LTX_CHECKPOINT_VARIANT)")
    p.add_argument("--distilled-lora", default=env("ZOETROPE_LTX_DISTILLED_LORA"), metavar="PATH",
                   help="the distilled LoRA (e.g. ltx-2-19b-distilled-lora-384.safetensors): with the dev checkpoint "
                        "and --recipe full, run Lightricks' two-stage flow (stage 2 with the LoRA; "
                        "ZOETROPE_LTX_DISTILLED_LORA)")
    p.add_argument("--also-kling", action="store_true",
                   help=f"also serve {KLING_MODEL} (the gateway's built-in engine competes for those jobs "
                        "unless it runs with --no-local-runner)")
    p.add_argument("--device", default=env("ZOETROPE_LTX_DEVICE"), help="torch device (default: cuda when present)")
    p.add_argument("--dtype", choices=("bfloat16", "float32"), help="default: bfloat16 on GPU, float32 on CPU")
    p.add_argument("--offload", choices=OFFLOADS, default="none",
                   help="CPU offloading for smaller GPUs: only the text encoder (text-encoder: the transformer stays "
                        "on the GPU), whole models (model) or layer by layer (sequential, slowest)")
    p.add_argument("--vae-tiling", action=argparse.BooleanOptionalAction, default=True,
                   help="decode the video in tiles (on by default: a 1080p decode in one piece needs many GB more)")
    speed = p.add_argument_group("speed (defaults to be chosen by measurement on a GPU)")
    speed.add_argument("--attention-backend", default=SPEED.attention_backend,
                       help="diffusers' attention backend for the transformer: native (PyTorch SDPA), _native_cudnn, "
                            f"flash, _flash_3, sage, … (default {SPEED.attention_backend})")
    speed.add_argument("--compile", action=argparse.BooleanOptionalAction, default=SPEED.compile,
                       help="torch.compile the transformer's blocks (compiled on first use)")
    speed.add_argument("--fp8", action=argparse.BooleanOptionalAction, default=SPEED.fp8,
                       help="FP8 transformer weights and activations (torchao; Ada or Hopper GPUs)")
    speed.add_argument("--warmup", action=argparse.BooleanOptionalAction, default=SPEED.warmup,
                       help="render one 5 s 16:9 job at start-up, before leasing (compilation, autotuning)")
    speed.add_argument("--x264-preset", choices=X264_PRESETS, default=SPEED.x264_preset,
                       help=f"the MP4 encode's x264 preset, at the same quality target (CRF 18; default "
                            f"{SPEED.x264_preset})")
    speed.add_argument("--overlap-encode", action=argparse.BooleanOptionalAction, default=SPEED.overlap_encode,
                       help="encode, upload and complete a generated job on a background thread while the next job "
                            "is leased and generated (one job finishing at a time)")
    p.add_argument("--size-divisor", type=int, default=1,
                   help="divide the 1080p output sizes by this (the tests' tiny checkpoint uses 30)")
    p.add_argument("--work-dir", default=None, help="scratch directory for jobs (default: a temporary one)")
    p.add_argument("--worker-id", default=f"{socket.gethostname()}-ltx-{os.getpid()}")
    p.add_argument("--allow-private-inputs", action="store_true",
                   default=env("ZOETROPE_ALLOW_PRIVATE_INPUTS", "") in ("1", "true"),
                   help="a trusted network: remote image URLs may reach any address (private, loopback, …) and "
                        "any port (ZOETROPE_ALLOW_PRIVATE_INPUTS=1)")
    p.add_argument("--allow-outbound-port", dest="allow_outbound_ports", metavar="PORT", type=port,
                   action="append", default=None,
                   help="also let remote image URLs use this port besides 80 and 443 (repeatable; "
                        "ZOETROPE_ALLOW_OUTBOUND_PORTS, comma-separated)")
    p.add_argument("--fetch-timeout", metavar="SECONDS", type=seconds, default=env("ZOETROPE_FETCH_TIMEOUT", "60"),
                   help="the longest one remote image may take, redirects, connect, headers and body together "
                        "(ZOETROPE_FETCH_TIMEOUT, default 60)")
    p.add_argument("--fetch-min-rate", metavar="BYTES_PER_SECOND", type=number,
                   default=env("ZOETROPE_FETCH_MIN_RATE", "16384"),
                   help="after 10 s of a remote image's body, its average rate must be at least this "
                        "(ZOETROPE_FETCH_MIN_RATE, default 16384; 0: no minimum)")
    p.add_argument("--seed", type=int, default=None, help="seed for jobs whose request carries none (default: random)")
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
    try:
        policy = outbound_policy(args, os.environ.get("ZOETROPE_ALLOW_OUTBOUND_PORTS", ""))
    except argparse.ArgumentTypeError as error:
        arguments.error(f"ZOETROPE_ALLOW_OUTBOUND_PORTS: {error}")

    from .media import check_media_tools
    try:
        log.info("media tools: %s", check_media_tools())
    except RuntimeError as error:
        log.error("%s", error)
        return 2

    # Import torch only now: --help and argument errors stay fast.
    from .checkpoint import CheckpointRefused, check_device, check_recipe, read_checkpoint, upsampler_family
    from .generator import LTX2Generator
    from .hardware import cuda_status, describe
    from .inputs import InputFetcher
    from .protocol import GatewayClient
    from .smoke import SmokeRenderFailed, smoke_render
    from .worker import Worker

    speed_options = SpeedOptions(attention_backend=args.attention_backend, compile=args.compile, fp8=args.fp8,
                                 warmup=args.warmup, x264_preset=args.x264_preset, overlap_encode=args.overlap_encode)
    try:
        info = read_checkpoint(args.model_dir, args.checkpoint_variant)
        log.info("checkpoint %s: %s", args.model_dir, info.describe())
        check_recipe(info, args.recipe, args.distilled_lora, upsampler_family(args.model_dir, args.upsampler_dir))
        device = check_device(info, args.device, *cuda_status())
    except CheckpointRefused as error:
        log.error("refusing to start: %s", error)
        return 2
    except Exception as error:  # noqa: BLE001 — a missing checkpoint, unreadable configs, …
        log.error("could not load LTX-2 from %s: %s: %s", args.model_dir, type(error).__name__, error)
        return 2
    log.info("hardware: %s", describe(device))
    try:
        generator = LTX2Generator.load(
            model_dir=args.model_dir, upsampler_dir=args.upsampler_dir, device=device,
            dtype=args.dtype, offload=args.offload, vae_tiling=args.vae_tiling, recipe=args.recipe, steps=args.steps,
            seed=args.seed, distilled_lora=args.distilled_lora, speed=speed_options)
    except Exception as error:  # noqa: BLE001 — a partial checkpoint, a missing optional package, …
        log.error("could not load LTX-2 from %s: %s: %s", args.model_dir, type(error).__name__, error)
        return 2
    try:
        smoke_render(generator)
    except SmokeRenderFailed as error:
        log.error("smoke render failed, not leasing any job: %s; the weights at %s do not make video on %s "
                  "(a broken or mismatched checkpoint, or a dtype this device cannot hold them in)",
                  error, args.model_dir, device)
        return 3
    sizes = SizeProfile(args.size_divisor)
    if args.warmup:
        from .warmup import warm_up

        warm_up(generator, sizes)
    client = GatewayClient(args.gateway, args.token, args.worker_id)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix="zoetrope-ltx-")
    os.makedirs(work_dir, exist_ok=True)
    if not args.work_dir:
        atexit.register(shutil.rmtree, work_dir, True)
    models = [LTX2_MODEL] + ([KLING_MODEL] if args.also_kling else [])
    worker = Worker(client, generator, models, work_dir, InputFetcher(client, policy), sizes, speed_options)

    def stop(signum, _frame):
        log.info("%s: stopping (a job generating is handed back; one already generated is finished first)",
                 signal.Signals(signum).name)
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
