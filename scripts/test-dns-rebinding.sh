#!/usr/bin/env bash
# Runs the DNS rebinding tests (Tests/ZoetropeServerTests/DNSRebindingTests.swift) in a network
# namespace of their own: only loopback, plus 1.2.3.4 standing for a public web server, and a
# resolv.conf that sends every lookup to the tests' DNS stub on 127.0.0.1:53. Needs the tests
# built (`swift build -c release --build-tests`) and unshare/ip (util-linux, iproute2).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! unshare --user --map-root-user --net --mount true 2>/dev/null; then
    echo "SKIPPED: DNS rebinding tests: this machine does not allow network namespaces (unshare)" >&2
    exit 0
fi
resolv="$(mktemp)"
trap 'rm -f "$resolv"' EXIT
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n' > "$resolv"
unshare --user --map-root-user --net --mount -- bash -c '
    set -euo pipefail
    ip link set lo up
    ip addr add 1.2.3.4/32 dev lo
    mount --bind "$1" /etc/resolv.conf
    ZOETROPE_TEST_NETNS=1 swift test -c release --skip-build ${ZOETROPE_SWIFT_SCRATCH:+--scratch-path "$ZOETROPE_SWIFT_SCRATCH"} \
        --filter DNSRebindingTests
' bash "$resolv"
