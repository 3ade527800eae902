#!/usr/bin/env bash
# The LTX-2 worker's GPU benchmark, prepared to run as-is on a machine with a CUDA GPU: creates the
# GPU environment (ltx-worker/setup-gpu-venv.sh, which reads ZOETROPE_GPU_PYTHON and
# ZOETROPE_WHEELHOUSE), logs torch, CUDA, the GPU, its driver and the packages (`bench hardware`), then
#   1. `bench transformer`: full-size transformer steps at 1920×1088×121, bf16;
#   2. `bench decode`: the full-size video VAE decoding 1920×1088×121, tiled and untiled;
#   3. `bench job`: the whole distilled job (5 s 1920×1088 with audio) with random full-size weights,
#      per-stage warm seconds and peak memory, with each speed option on in turn;
# each under its own timeout, its output appended to $BENCH_LOG (default ltx-gpu-bench.log) as it comes,
# so a step that runs out of time keeps what it printed.
#   scripts/ltx-gpu-bench.sh                  # all of it, on the GPU
#   scripts/ltx-gpu-bench.sh --budget 420     # all of it in 420 s: each step within its share of the
#                                             # budget (SHARE below) and what is left of it; the job's
#                                             # speed variants only while the budget lasts
#   scripts/ltx-gpu-bench.sh --only job       # one step (setup, hardware, transformer, decode or job)
#   scripts/ltx-gpu-bench.sh --variants baseline,fp8  # the job's variants (default: bench.py's JOB_VARIANTS)
#   scripts/ltx-gpu-bench.sh --cpu-check      # the same steps shrunk to a CPU's size, in .venv-worker
#                                             # (made by scripts/test-ltx-worker.sh --setup): a check of the code path
# On a GPU host without network access whose Python has a CUDA build of torch, with the wheelhouse
# that scripts/ltx-wheelhouse.sh fills copied beside the repository:
#   ZOETROPE_GPU_PYTHON=python3 ZOETROPE_WHEELHOUSE=.whl BENCH_LOG=/some/dir/ltx-gpu-bench.log \
#       scripts/ltx-gpu-bench.sh --budget 420
set -uo pipefail
LOG=""
if [ -n "${BENCH_LOG:-}" ]; then LOG="$(realpath -m "$BENCH_LOG")"; fi
cd "$(dirname "$0")/.." || exit 1
LOG="${LOG:-ltx-gpu-bench.log}"

ONLY=""
CPU_CHECK=0
BUDGET=""
VARIANTS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --only) ONLY="$2"; shift 2 ;;
        --cpu-check) CPU_CHECK=1; shift ;;
        --budget) BUDGET="$2"; shift 2 ;;
        --variants) VARIANTS="$2"; shift 2 ;;
        *) echo "usage: $0 [--only setup|hardware|transformer|decode|job] [--budget SECONDS]" \
                "[--variants LIST] [--cpu-check]" >&2; exit 2 ;;
    esac
done
# With --budget, the most of the budget each step may take, in per cent; the job takes what is left.
declare -A SHARE=([setup]=25 [hardware]=10 [transformer]=35 [decode]=30 [job]=100)
DEADLINE=""  # with --budget: the Unix time by which every step has ended
if [ -n "$BUDGET" ]; then DEADLINE=$(($(date +%s) + BUDGET)); fi
mkdir -p "$(dirname "$LOG")"
: > "$LOG"
FAILED=()   # the steps that failed or timed out
NOT_RUN=()  # the steps the budget left no time for
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1  # nothing fetched; each line logged as it is printed

# step NAME SECONDS COMMAND…: runs one step under a timeout of SECONDS (with --budget: its share of the
# budget, cut to what is left of it; a step with under 20 s left is not run), logging its output and status.
step() {
    local name="$1" limit="$2"
    shift 2
    if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then return 0; fi
    if [ -n "$DEADLINE" ]; then
        local left=$((DEADLINE - $(date +%s)))
        limit=$((BUDGET * SHARE[$name] / 100))
        if [ "$left" -lt "$limit" ]; then limit=$left; fi
        if [ "$limit" -lt 20 ]; then
            echo "== $name: not run, $left s of the $BUDGET s budget left" | tee -a "$LOG"
            NOT_RUN+=("$name")
            return 0
        fi
    fi
    echo "== $name (timeout ${limit} s): $*" | tee -a "$LOG"
    local started=$SECONDS
    timeout --kill-after=10 "$limit" "$@" 2>&1 | grep -v --line-buffered "it/s\]" | tee -a "$LOG"
    local status=${PIPESTATUS[0]}
    local outcome="exit $status"
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then outcome="timed out"; fi
    echo "== $name: $outcome after $((SECONDS - started)) s" | tee -a "$LOG"
    [ "$status" -eq 0 ] || FAILED+=("$name ($outcome)")
}

# finish: logs which steps failed or were not run, and exits 1 when any failed.
finish() {
    echo "== finished after $SECONDS s; failed: ${FAILED[*]:-none}; not run: ${NOT_RUN[*]:-none}" | tee -a "$LOG"
    if [ ${#FAILED[@]} -gt 0 ]; then exit 1; fi
    exit 0
}

# The job's options: the deadline, and its variants (the CPU check without a budget: the baseline and
# the re-encode and the overlapped encode alone, as the CPU has time for little else).
if [ "$CPU_CHECK" = 1 ] && [ -z "$VARIANTS" ] && [ -z "$BUDGET" ]; then VARIANTS="baseline,x264-veryfast,overlap-encode"; fi
JOB=()
if [ -n "$DEADLINE" ]; then JOB+=(--deadline "$DEADLINE"); fi
if [ -n "$VARIANTS" ]; then JOB+=(--variants "$VARIANTS"); fi

if [ "$CPU_CHECK" = 1 ]; then
    PY=".venv-worker/bin/python"
    SIZE=(--width 256 --height 256 --frames 9)
    step hardware 60 "$PY" -m zoetrope_ltx.bench hardware --device cpu
    step transformer 900 "$PY" -m zoetrope_ltx.bench transformer --device cpu --runs 1 --layers 1 "${SIZE[@]}"
    step decode 900 "$PY" -m zoetrope_ltx.bench decode --device cpu --runs 1 "${SIZE[@]}"
    step job 1200 "$PY" -m zoetrope_ltx.bench job --device cpu --layers 1 "${SIZE[@]}" --text-encoder tiny "${JOB[@]}"
    finish
fi

PY="ltx-worker/.venv-gpu/bin/python"
step setup 900 bash ltx-worker/setup-gpu-venv.sh
if [ ! -x "$PY" ]; then echo "no GPU environment at $PY; see the setup step above" | tee -a "$LOG"; exit 1; fi
step hardware 60 "$PY" -m zoetrope_ltx.bench hardware --device cuda
[ ${#FAILED[@]} -eq 0 ] || { echo "stopping: no usable CUDA GPU or GPU environment" | tee -a "$LOG"; finish; }
step transformer 420 "$PY" -m zoetrope_ltx.bench transformer --runs 3
step decode 420 "$PY" -m zoetrope_ltx.bench decode --runs 2
step job 1500 "$PY" -m zoetrope_ltx.bench job "${JOB[@]}"
finish
