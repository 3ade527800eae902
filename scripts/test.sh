#!/usr/bin/env bash
# Runs every test: the Swift suites (which start real servers and probe real MP4s), then the
# Python tests against a real server (the official segmind SDK, the CLI, the web playground in
# headless Chromium), in a venv this script creates. Tests are
# built optimized (-c release) so 1080p renders take seconds, as they do in production; they use
# only the modules' public API.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh
swift build -c release --build-tests
swift test -c release --skip-build
bash scripts/test-python-sdk.sh
