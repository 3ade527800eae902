#!/usr/bin/env bash
# Runs the LTX-2 GPU worker against the gateway that scripts/run.sh started on this machine:
# creates .venv-worker (PyTorch from PyPI, the worker package), makes a worker token once (saved
# beside the quickstart API key) and connects. Arguments go to zoetrope-ltx-worker, e.g.
#   scripts/run-ltx-worker.sh --model-dir /models/ltx-2-distilled
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh
VENV=".venv-worker"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ltx-worker

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
