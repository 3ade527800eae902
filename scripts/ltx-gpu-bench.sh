#!/usr/bin/env bash
# The LTX-2 worker's GPU benchmark, prepared to run as-is on a machine with a CUDA GPU: creates the
# GPU environment (ltx-worker/setup-gpu-venv.sh), logs torch, CUDA, the GPU and its driver, then runs
#   1. `bench transformer`: one full-size transformer step at 1920×1088×121, bf16;
#   2. `bench decode`: the full-size video VAE decoding 1920×1088×121, tiled and untiled;
#   3. `bench job`: the whole distilled job (5 s 1920×1088 with audio) with random full-size weights,
#      per-stage warm seconds and peak memory, with each speed option on in turn;
# each under its own timeout, everything logged to $BENCH_LOG (default ltx-gpu-bench.log).
#   scripts/ltx-gpu-bench.sh                  # all of it, on the GPU
#   scripts/ltx-gpu-bench.sh --only job       # one step (setup, transformer, decode or job)
#   scripts/ltx-gpu-bench.sh --cpu-check      # the same steps shrunk to a CPU's size, in .venv-worker
#                                             # (made by scripts/test-ltx-worker.sh --setup): a check of the code path
set -uo pipefail
cd "$(dirname "$0")/.."

ONLY=""
CPU_CHECK=0
while [ $# -gt 0 ]; do
    case "$1" in
        --only) ONLY="$2"; shift 2 ;;
        --cpu-check) CPU_CHECK=1; shift ;;
        *) echo "usage: $0 [--only setup|transformer|decode|job] [--cpu-check]" >&2; exit 2 ;;
    esac
done
LOG="${BENCH_LOG:-ltx-gpu-bench.log}"
: > "$LOG"
FAILED=0

# step NAME SECONDS COMMAND…: runs one step under its timeout, logs its output and status.
step() {
    local name="$1" limit="$2"
    shift 2
    if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then return 0; fi
    echo "== $name (timeout ${limit} s): $*" | tee -a "$LOG"
    local started=$SECONDS
    timeout --kill-after=30 "$limit" "$@" 2>&1 | grep -v --line-buffered "it/s\]" | tee -a "$LOG"
    local status=${PIPESTATUS[0]}
    echo "== $name: exit $status after $((SECONDS - started)) s" | tee -a "$LOG"
    [ "$status" -eq 0 ] || FAILED=1
}

if [ "$CPU_CHECK" = 1 ]; then
    PY=".venv-worker/bin/python"
    SIZE=(--width 256 --height 256 --frames 9)
    step transformer 900 env HF_HUB_OFFLINE=1 "$PY" -m zoetrope_ltx.bench transformer --device cpu --runs 1 --layers 1 "${SIZE[@]}"
    step decode 900 env HF_HUB_OFFLINE=1 "$PY" -m zoetrope_ltx.bench decode --device cpu --runs 1 "${SIZE[@]}"
    step job 1200 env HF_HUB_OFFLINE=1 "$PY" -m zoetrope_ltx.bench job --device cpu --layers 1 "${SIZE[@]}" \
        --text-encoder tiny --variants baseline,x264-veryfast,overlap-encode
    exit $FAILED
fi

PY="ltx-worker/.venv-gpu/bin/python"
step setup 900 bash ltx-worker/setup-gpu-venv.sh
if [ ! -x "$PY" ]; then echo "no GPU environment at $PY; see the setup step above" | tee -a "$LOG"; exit 1; fi
step hardware 60 "$PY" -c "
from zoetrope_ltx.hardware import cuda_status, describe
usable, reason = cuda_status()
print(describe('cuda') if usable else 'CUDA not usable: ' + reason)
raise SystemExit(0 if usable else 1)"
[ "$FAILED" = 0 ] || { echo "stopping: no usable CUDA GPU" | tee -a "$LOG"; exit 1; }
step transformer 420 env HF_HUB_OFFLINE=1 "$PY" -m zoetrope_ltx.bench transformer --runs 3
step decode 420 env HF_HUB_OFFLINE=1 "$PY" -m zoetrope_ltx.bench decode --runs 2
# Variants in this order: FP8 cannot be undone, so it runs last.
step job 1500 env HF_HUB_OFFLINE=1 "$PY" -m zoetrope_ltx.bench job \
    --variants baseline,cudnn,flash,x264-veryfast,overlap-encode,compile,fp8
exit $FAILED
