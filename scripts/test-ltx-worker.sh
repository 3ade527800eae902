#!/usr/bin/env bash
# Tests of the LTX-2 GPU worker (ltx-worker/) on the CPU, with no network but PyPI: the mapping,
# the real diffusers pipelines on a tiny random checkpoint, and gateway + worker processes end to
# end. Creates .venv-worker on first use; `--setup` only installs it. Needs the release binary (scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=".venv-worker"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r ltx-worker/requirements-ci.txt
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e ltx-worker
if [ "${1:-}" = "--setup" ]; then exit 0; fi

if [ -z "${ZOETROPE_BIN:-}" ]; then
    swift build -c release --product zoetrope
    export ZOETROPE_BIN="$PWD/.build/release/zoetrope"
fi
HF_HUB_OFFLINE=1 "$VENV/bin/python" -m pytest -q ltx-worker/tests
