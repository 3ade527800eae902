#!/usr/bin/env bash
# Sets up and runs Zoetrope: installs system packages, builds a release binary, makes sure an API
# key exists (printing it), and starts the server. Configure with ZOETROPE_* variables (README).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh
swift build -c release --product zoetrope
BIN=".build/release/zoetrope"

DATA_DIR="${ZOETROPE_DATA_DIR:-./zoetrope-data}"
export ZOETROPE_DATA_DIR="$DATA_DIR"
KEY_FILE="$DATA_DIR/quickstart-api-key"
mkdir -p "$DATA_DIR"
if [ ! -s "$KEY_FILE" ]; then
    (umask 077 && "$BIN" keys create --name quickstart | tail -n 1 > "$KEY_FILE")
fi
echo "API key (saved in $KEY_FILE):"
cat "$KEY_FILE"
exec "$BIN" serve "$@"
