#!/usr/bin/env bash
# Runs the LTX-2 GPU worker against the gateway that scripts/run.sh started on this machine:
# creates ltx-worker/.venv-gpu (a CUDA build of PyTorch and the worker's pinned packages, never the test
# environment .venv-worker; see ltx-worker/setup-gpu-venv.sh, whose ZOETROPE_GPU_PYTHON and
# ZOETROPE_WHEELHOUSE use a host's own CUDA torch and install without network access), makes a worker
# token once (saved beside the quickstart API key) and connects. Arguments go to zoetrope-ltx-worker, e.g.
#   scripts/run-ltx-worker.sh --model-dir /models/ltx-2-distilled
set -euo pipefail
cd "$(dirname "$0")/.."

# ffmpeg and ffprobe are the worker's only system packages: a host that has them (one without network
# access, say) is not sent to apt for the gateway's others.
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
    bash scripts/install-system-packages.sh
fi
bash ltx-worker/setup-gpu-venv.sh
VENV="ltx-worker/.venv-gpu"

BIN=".build/release/zoetrope"
[ -x "$BIN" ] || swift build -c release --product zoetrope
DATA_DIR="${ZOETROPE_DATA_DIR:-./zoetrope-data}"
TOKEN_FILE="$DATA_DIR/ltx-worker-token"
mkdir -p "$DATA_DIR"
if [ ! -s "$TOKEN_FILE" ]; then
    (umask 077 && "$BIN" keys create --name ltx-worker --worker --data-dir "$DATA_DIR" | tail -n 1 > "$TOKEN_FILE")
fi
export ZOETROPE_GATEWAY="${ZOETROPE_GATEWAY:-http://127.0.0.1:${ZOETROPE_PORT:-8080}}"
export ZOETROPE_WORKER_TOKEN="${ZOETROPE_WORKER_TOKEN:-$(cat "$TOKEN_FILE")}"
exec "$VENV/bin/zoetrope-ltx-worker" "$@"
