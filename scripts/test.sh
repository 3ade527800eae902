#!/usr/bin/env bash
# Runs every test: the Swift suites (which start real servers and probe real MP4s), then the
# Python tests against real servers (the official segmind SDK, the CLI, the web playground in
# headless Chromium, and the scale-out test: two gateways and two workers on PostgreSQL and an
# S3-compatible server), then the LTX-2 GPU worker's tests on the CPU (a tiny random checkpoint). Starts a throwaway PostgreSQL server and S3 server for the run and stops
# them afterwards. Tests are built optimized (-c release) so 1080p renders take seconds, as they
# do in production; they use only the modules' public API.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh
VENV=".venv-sdk"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r python-tests/requirements.txt

trap 'bash scripts/test-services.sh stop >/dev/null 2>&1 || true' EXIT
while IFS= read -r line; do
    case "$line" in ZOETROPE_TEST_*=*) export "$line" ;; esac
done < <(bash scripts/test-services.sh start "$VENV")
echo "test services: $ZOETROPE_TEST_DATABASE_URL, $ZOETROPE_TEST_S3_ENDPOINT"

swift build -c release --build-tests
swift test -c release --skip-build
bash scripts/test-dns-rebinding.sh
bash scripts/test-python-sdk.sh
ZOETROPE_BIN="$PWD/.build/release/zoetrope" bash scripts/test-ltx-worker.sh
