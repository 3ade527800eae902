#!/usr/bin/env bash
# Fills a wheelhouse (default .whl/, which git ignores) for a GPU host without network access whose
# Python already has a CUDA build of torch: the wheels of ltx-worker/requirements-gpu-host.txt's pinned
# packages for x86-64 Linux and CPython 3.12 (ZOETROPE_WHEEL_PYTHON for another version), and
# setuptools, which builds this package's editable install. Run it where pip reaches PyPI, carry the
# folder to the host, and there:
#   ZOETROPE_GPU_PYTHON=python3 ZOETROPE_WHEELHOUSE=.whl bash ltx-worker/setup-gpu-venv.sh
# Usage: scripts/ltx-wheelhouse.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${1:-.whl}"
mkdir -p "$DIR"
mapfile -t pinned < <(grep -E '^[A-Za-z0-9_.-]+==' ltx-worker/requirements-gpu-host.txt)
build_backend="$(sed -n 's/^requires = \["\(setuptools[^"]*\)"\]$/\1/p' ltx-worker/pyproject.toml)"
python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version "${ZOETROPE_WHEEL_PYTHON:-3.12}" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$DIR" "${pinned[@]}" "$build_backend"
ls -l "$DIR"
total_kib="$(du -sk "$DIR" | cut -f1)"
echo "$DIR: $((total_kib / 1024)) MiB"
