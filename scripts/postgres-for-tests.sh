#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL server for the store tests.
#
#   scripts/postgres-for-tests.sh start   # prints ZOETROPE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres-for-tests.sh url     # prints the same line again for the running server
#   scripts/postgres-for-tests.sh stop    # stops the server and deletes its data directory
#
# Typical use:
#   export "$(scripts/postgres-for-tests.sh start)"
#   swift test
#   scripts/postgres-for-tests.sh stop
#
# The server listens on 127.0.0.1 only, on a free port, with trust authentication, fsync off and
# its data in a fresh temporary directory. Run as root, it runs as the `postgres` user (which must
# exist); run as anyone else, it runs as that user. Binaries: $PG_BIN, else the newest
# /usr/lib/postgresql/*/bin, else the PATH. The state file ($ZOETROPE_PG_STATE, default
# ${TMPDIR:-/tmp}/zoetrope-test-postgres.state) remembers the data directory for `stop`.
set -euo pipefail

STATE_FILE="${ZOETROPE_PG_STATE:-${TMPDIR:-/tmp}/zoetrope-test-postgres.state}"

die() { echo "postgres-for-tests: $*" >&2; exit 1; }

find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        [[ -x "$PG_BIN/initdb" ]] || die "no initdb in PG_BIN=$PG_BIN"
        echo "$PG_BIN"; return
    fi
    # The newest major version (numeric order, so 15 sorts after 9.6).
    local dir best=""
    while read -r dir; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then best="$dir"; fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5n)
    if [[ -n "$best" ]]; then echo "$best"; return; fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return
    fi
    die "no PostgreSQL server binaries (initdb, pg_ctl) found; install postgresql (Debian: apt-get install postgresql)"
}

# Runs a command as the server's user: `postgres` when we are root, else ourselves.
as_server_user() {
    if [[ "$(id -u)" -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the server as"
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

print_url() { echo "ZOETROPE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$1/postgres"; }

is_running() {
    # shellcheck disable=SC1090
    [[ -f "$STATE_FILE" ]] && (source "$STATE_FILE" && as_server_user "$PG_BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1)
}

start() {
    if is_running; then
        # shellcheck disable=SC1090
        source "$STATE_FILE"
        echo "postgres-for-tests: already running (data in $DATA_DIR)" >&2
        print_url "$PORT"
        return
    fi
    local bin data port
    bin="$(find_bin)"
    data="$(mktemp -d "${TMPDIR:-/tmp}/zoetrope-pg.XXXXXX")"
    if [[ "$(id -u)" -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the server as"
        chown postgres: "$data"
    fi
    chmod 700 "$data"
    # Superuser `postgres`, trust for local and 127.0.0.1 connections (a throwaway server).
    as_server_user "$bin/initdb" -D "$data/data" -U postgres --auth=trust -E UTF8 --locale=C >"$data/initdb.log" 2>&1 \
        || { cat "$data/initdb.log" >&2; rm -rf "$data"; die "initdb failed"; }
    local attempt
    for attempt in 1 2 3; do
        port="$(free_port)"
        if as_server_user "$bin/pg_ctl" -D "$data/data" -l "$data/server.log" -t 60 \
            -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            -w start >/dev/null; then
            printf 'DATA_DIR=%q\nPG_ROOT=%q\nPG_BIN_DIR=%q\nPORT=%q\n' "$data/data" "$data" "$bin" "$port" >"$STATE_FILE"
            print_url "$port"
            return
        fi
        echo "postgres-for-tests: start on port $port failed (attempt $attempt):" >&2
        tail -n 5 "$data/server.log" >&2 || true
    done
    rm -rf "$data"
    die "the server did not start"
}

stop() {
    [[ -f "$STATE_FILE" ]] || { echo "postgres-for-tests: not running (no $STATE_FILE)" >&2; return 0; }
    # shellcheck disable=SC1090
    source "$STATE_FILE"
    as_server_user "$PG_BIN_DIR/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_ROOT"
    rm -f "$STATE_FILE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url)
        is_running || die "not running"
        # shellcheck disable=SC1090
        source "$STATE_FILE"
        print_url "$PORT"
        ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
