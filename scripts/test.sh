#!/usr/bin/env bash
# Runs every test: the Swift suites (which start real servers and probe real MP4s) and the DNS
# rebinding test in a network namespace of its own, then the Python tests against real servers
# (the official segmind SDK, the CLI, the web playground in headless Chromium, the OpenAPI
# fuzzer, and the scale-out test: two gateways and two workers on PostgreSQL and an S3-compatible
# server) beside the LTX-2 GPU worker's tests on the CPU (a tiny random checkpoint). Starts a
# throwaway PostgreSQL server and S3 server for the run and stops them afterwards. Tests are built
# optimized (-c release) so 1080p renders take seconds, as they do in production; they use only
# the modules' public API.
#
# The build is done once; the Python environments are installed while it runs, and the two
# Python suites run side by side, so their waits overlap. Each phase's time is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
phase() { echo "== $1 (at $(( $(date +%s) - started )) s)"; }
logs="$(mktemp -d)"

phase "system packages"
bash scripts/install-system-packages.sh

phase "Swift build, with the Python environments installed beside it"
bash scripts/test-python-sdk.sh --setup >"$logs/setup-sdk.log" 2>&1 &
setup_sdk=$!
bash scripts/test-ltx-worker.sh --setup >"$logs/setup-worker.log" 2>&1 &
setup_worker=$!
swift build -c release --build-tests
for job in "$setup_sdk:setup-sdk" "$setup_worker:setup-worker"; do
    if ! wait "${job%%:*}"; then
        cat "$logs/${job#*:}.log" >&2
        echo "installing the Python environment failed (${job#*:})" >&2
        exit 1
    fi
done

trap 'bash scripts/test-services.sh stop >/dev/null 2>&1 || true; rm -rf "$logs"' EXIT
while IFS= read -r line; do
    case "$line" in ZOETROPE_TEST_*=*) export "$line" ;; esac
done < <(bash scripts/test-services.sh start .venv-sdk)
echo "test services: $ZOETROPE_TEST_DATABASE_URL, $ZOETROPE_TEST_S3_ENDPOINT"

phase "Swift tests"
swift test -c release --skip-build
bash scripts/test-dns-rebinding.sh

phase "Python tests: the SDK, CLI, playground, fuzzer and scale-out suite beside the LTX-2 worker's"
export ZOETROPE_BIN="$PWD/.build/release/zoetrope"
bash scripts/test-ltx-worker.sh >"$logs/ltx-worker.log" 2>&1 &
worker_tests=$!
sdk_status=0
bash scripts/test-python-sdk.sh || sdk_status=$?
worker_status=0
wait "$worker_tests" || worker_status=$?
echo "-- LTX-2 worker tests:"
cat "$logs/ltx-worker.log"
phase "done"
if [ "$sdk_status" -ne 0 ] || [ "$worker_status" -ne 0 ]; then
    echo "Python tests failed (SDK suite: $sdk_status, LTX-2 worker suite: $worker_status)" >&2
    exit 1
fi
