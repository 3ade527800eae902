#!/usr/bin/env bash
# Starts (or stops) the services the tests need: a throwaway PostgreSQL server
# (scripts/postgres-for-tests.sh) and a local S3-compatible server (moto_server from the test
# venv) behind a proxy that checks AWS signatures as S3 does (moto alone does not).
#   start <venv>  prints ZOETROPE_TEST_DATABASE_URL=… and ZOETROPE_TEST_S3_ENDPOINT=… lines
#   stop          stops both
set -euo pipefail
# The servers started here outlive this script: they must not hold the shared build directory's
# lock (file descriptor 9 of scripts/build-directory.sh) after the run that started them.
exec 9>&-
cd "$(dirname "$0")/.."
STATE="${TMPDIR:-/tmp}/zoetrope-test-services.$(id -u)"

case "${1:-}" in
start)
    VENV="${2:-.venv-sdk}"
    free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
    bash scripts/postgres-for-tests.sh start
    mkdir -p "$STATE"
    MOTO_PORT=$(free_port)
    PROXY_PORT=$(free_port)
    nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$STATE/moto.log" 2>&1 &
    echo $! >"$STATE/moto.pid"
    nohup "$VENV/bin/python" scripts/s3-verify-proxy.py "$PROXY_PORT" "$MOTO_PORT" >"$STATE/proxy.log" 2>&1 &
    echo $! >"$STATE/proxy.pid"
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" && curl -s -o /dev/null "http://127.0.0.1:$PROXY_PORT/"; then
            echo "ZOETROPE_TEST_S3_ENDPOINT=http://127.0.0.1:$PROXY_PORT"
            exit 0
        fi
        sleep 0.2
    done
    echo "the S3 test server did not start:" >&2
    cat "$STATE/moto.log" "$STATE/proxy.log" >&2
    exit 1
    ;;
stop)
    for name in proxy moto; do
        if [ -f "$STATE/$name.pid" ]; then kill "$(cat "$STATE/$name.pid")" 2>/dev/null || true; fi
    done
    rm -rf "$STATE"
    bash scripts/postgres-for-tests.sh stop || true
    ;;
*)
    echo "usage: $0 start [venv] | stop" >&2
    exit 2
    ;;
esac
