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
# The build is done once (in a shared build directory that later clones reuse, see
# scripts/build-directory.sh); the Python environments are installed while it runs, and the
# Swift and Python suites run side by side, so their waits overlap. Each phase's and suite's
# time is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
phase() { echo "== $1 (at $(( $(date +%s) - started )) s)"; }
logs="$(mktemp -d)"

phase "system packages"
bash scripts/install-system-packages.sh

phase "Swift build, with the Python environments installed beside it"
source scripts/build-directory.sh
bash scripts/test-python-sdk.sh --setup >"$logs/setup-sdk.log" 2>&1 &
setup_sdk=$!
bash scripts/test-ltx-worker.sh --setup >"$logs/setup-worker.log" 2>&1 &
setup_worker=$!
if ! swift build -c release --build-tests "${swift_scratch[@]}"; then
    if [ -z "$shared_build_directory" ]; then exit 1; fi
    # A damaged shared directory must not fail the run: build once more from nothing.
    echo "the build in the shared build directory failed; building again in an empty one" >&2
    find "$shared_build_directory" -mindepth 1 -delete
    swift build -c release --build-tests "${swift_scratch[@]}"
fi
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

phase "tests: the Swift suites and the DNS rebinding test, beside the Python suites (SDK, CLI, playground, fuzzer, scale-out), the chaos suite and the LTX-2 worker's"
run_suite() { # name, command...: runs it with its output in a log, then prints the log and the time
    local name="$1" began
    shift
    began=$(date +%s)
    local status=0
    "$@" >"$logs/$name.log" 2>&1 || status=$?
    {
        echo "-- $name: exit $status after $(( $(date +%s) - began )) s"
        cat "$logs/$name.log"
    } >"$logs/$name.done"
    return "$status"
}
# The fidelity measurements render dozens of 1080p clips: they run after the other suites, not
# beside the ones that time connections and leases.
heavy_swift_suites="FidelityTests|ShimmerTests|SeedTests"
swift_suite() {
    swift test -c release --skip-build "${swift_scratch[@]}" --skip "$heavy_swift_suites" \
        && bash scripts/test-dns-rebinding.sh \
        && swift test -c release --skip-build "${swift_scratch[@]}" --filter "$heavy_swift_suites"
}
# The chaos suite renders with real processes: it follows the (shorter) Swift suites rather than
# running beside them, so the machine's cores are not shared four ways.
swift_then_chaos() {
    local status=0
    run_suite swift swift_suite || status=$?
    echo "$status" >"$logs/swift.status"
    status=0
    run_suite chaos bash scripts/test-python-sdk.sh python-tests/test_chaos.py || status=$?
    echo "$status" >"$logs/chaos.status"
}
swift_then_chaos &
swift_job=$!
run_suite ltx-worker bash scripts/test-ltx-worker.sh &
worker_job=$!
sdk_status=0
run_suite sdk bash scripts/test-python-sdk.sh python-tests --ignore=python-tests/test_chaos.py || sdk_status=$?
wait "$swift_job" || true
swift_status=$(cat "$logs/swift.status" 2>/dev/null || echo 1)
chaos_status=$(cat "$logs/chaos.status" 2>/dev/null || echo 1)
worker_status=0
wait "$worker_job" || worker_status=$?
cat "$logs/swift.done" "$logs/sdk.done" "$logs/chaos.done" "$logs/ltx-worker.done"
phase "done"
if [ "$swift_status" -ne 0 ] || [ "$sdk_status" -ne 0 ] || [ "$chaos_status" -ne 0 ] || [ "$worker_status" -ne 0 ]; then
    echo "tests failed (Swift suites: $swift_status, SDK suite: $sdk_status, chaos suite: $chaos_status, LTX-2 worker suite: $worker_status)" >&2
    exit 1
fi
