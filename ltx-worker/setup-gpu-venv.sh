#!/usr/bin/env bash
# Creates (or checks) ltx-worker/.venv-gpu, the GPU worker's own environment: requirements-ci.txt's pins with
# a CUDA build of the same torch version from PyTorch's wheel index, torchao, and this package. Never
# touches .venv-worker (the CPU test environment). Fails, naming the cause, when the installed torch
# is not a CUDA build. ZOETROPE_TORCH_CUDA picks the CUDA variant of the wheel (default cu130;
# e.g. cu128 for an older driver); ZOETROPE_TORCH_INDEX overrides the index URL.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="ltx-worker/.venv-gpu"
CUDA_VARIANT="${ZOETROPE_TORCH_CUDA:-cu130}"
INDEX="${ZOETROPE_TORCH_INDEX:-https://download.pytorch.org/whl/$CUDA_VARIANT}"
TORCH_VERSION="$(sed -n 's/^torch==//p' ltx-worker/requirements-ci.txt)"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# The local version label (+cu130) keeps pip from taking a CPU wheel of the same version from any
# other source; the CUDA libraries come as that wheel's dependencies from PyPI.
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --extra-index-url "$INDEX" \
    "torch==$TORCH_VERSION+$CUDA_VARIANT" -r ltx-worker/requirements-gpu.txt
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e ltx-worker
"$VENV/bin/python" - <<'PY'
import sys

import torch

if torch.version.cuda is None:
    sys.exit(f"{sys.prefix}: torch {torch.__version__} is a CPU build; the GPU worker needs a CUDA build "
             "(check ZOETROPE_TORCH_CUDA / ZOETROPE_TORCH_INDEX)")
print(f"{sys.prefix}: torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"GPU: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none visible'}")
PY
