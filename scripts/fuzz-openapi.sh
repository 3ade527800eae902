#!/usr/bin/env bash
# OpenAPI contract fuzzing: openapi-spec-validator on the served /openapi.json, then schemathesis
# (pinned in python-tests/requirements.txt; examples, coverage and fuzzing phases, every check
# but response time, ≥ 5 000 cases) against the server that serves it. The same run as
# python-tests/test_openapi_contract.py; the code is in python-tests/openapi_fuzz.py.
#
# Usage:
#   scripts/fuzz-openapi.sh                      # starts a server from $ZOETROPE_BIN, else
#                                                #   .build/release/zoetrope (built if missing)
#   scripts/fuzz-openapi.sh --bin path/to/zoetrope
#   scripts/fuzz-openapi.sh --url http://127.0.0.1:8080 --api-key ADMIN_KEY [--worker-token TOKEN]
#                                                # a running server: an admin key covers /v1/admin
#                                                #   too; without a worker token /v1/worker is skipped
#   Options: --seed N (default fixed), --max-examples N (per operation), --phases examples,coverage,
#            fuzzing[,stateful], --workers N, --max-time S (keep fuzzing S seconds), --min-cases N,
#            --work-dir DIR (keeps schemathesis.toml and the ndjson report),
#            and after `--`, more `schemathesis run` options (e.g. -- --include-path-regex '^/v2/').
#
# A server started here renders nothing (--no-local-runner), answers POST /v1/{model} with 504
# after 1 s, and has rate and unfinished-job limits far above what a run sends; fuzzing a
# running server queues junk jobs and creates junk keys in it, so point it at a scratch one.
# Exit status: 0 when the document validates, schemathesis reports no failure and enough cases ran.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv-sdk}"  # another virtual environment may be named in $VENV
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r python-tests/requirements.txt

needs_binary=1
for arg in "$@"; do
    case "$arg" in --url|--url=*|--bin|--bin=*) needs_binary=0 ;; --) break ;; esac
done
if [ "$needs_binary" = 1 ] && [ -z "${ZOETROPE_BIN:-}" ]; then
    if [ ! -x .build/release/zoetrope ]; then
        swift build -c release --product zoetrope
    fi
    export ZOETROPE_BIN=.build/release/zoetrope
fi
exec "$VENV/bin/python" python-tests/openapi_fuzz.py "$@"
