#!/usr/bin/env bash
# Runs every test: the Swift suites (which start real servers and probe real MP4s), then the
# official segmind Python SDK against a real server, in a venv this script creates.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh
swift build --build-tests
swift test --skip-build
bash scripts/test-python-sdk.sh
