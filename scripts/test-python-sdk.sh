#!/usr/bin/env bash
# The official segmind SDK (PyPI, 1.3.0), unchanged, against a Zoetrope server built from this
# tree, and the other Python suites. Creates .venv-sdk on first use; `--setup` only installs it.
# Arguments, when given, are pytest's (paths and options); the default runs all of python-tests.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=".venv-sdk"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r python-tests/requirements.txt
if [ "${1:-}" = "--setup" ]; then exit 0; fi

if [ -z "${ZOETROPE_BIN:-}" ]; then
    swift build -c release --product zoetrope
    export ZOETROPE_BIN=.build/release/zoetrope
fi
if [ "$#" -eq 0 ]; then set -- python-tests; fi
"$VENV/bin/python" -m pytest -q "$@"
