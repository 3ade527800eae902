#!/usr/bin/env bash
# Creates (or checks) ltx-worker/.venv-gpu, the GPU worker's own environment, with this package in it.
# Never touches .venv-worker (the CPU test environment). Where torch comes from:
#   - by default, requirements-gpu.txt's pins with a CUDA build of requirements-ci.txt's torch version
#     from PyTorch's wheel index: ZOETROPE_TORCH_CUDA picks the CUDA variant of the wheel (default
#     cu130; e.g. cu128 for an older driver), ZOETROPE_TORCH_INDEX overrides the index URL;
#   - ZOETROPE_GPU_PYTHON=PYTHON: that Python's own CUDA build of torch and the packages around it
#     (transformers, accelerate, ...), which the venv sees and keeps; it adds only
#     requirements-gpu-host.txt's pinned packages (diffusers, av, ftfy, torchao, ...).
# ZOETROPE_WHEELHOUSE=DIR makes pip install from DIR alone (--no-index), for a host without network
# access; scripts/ltx-wheelhouse.sh fills one for ZOETROPE_GPU_PYTHON. Fails, naming the cause, when
# the torch it ends with is not a CUDA build. Delete the venv to change where its torch comes from.
set -euo pipefail
PIP_SOURCE=()
if [ -n "${ZOETROPE_WHEELHOUSE:-}" ]; then
    PIP_SOURCE=(--no-index --find-links "$(cd "$ZOETROPE_WHEELHOUSE" && pwd)")
fi
cd "$(dirname "$0")/.."

VENV="ltx-worker/.venv-gpu"
pip_install() {
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PIP_SOURCE[@]}" "$@"
}
if [ -n "${ZOETROPE_GPU_PYTHON:-}" ]; then
    if [ ! -x "$VENV/bin/python" ]; then
        # Without a pip of its own: the venv runs that Python's pip, which installs into the venv.
        "$ZOETROPE_GPU_PYTHON" -m venv --system-site-packages --without-pip "$VENV"
        # That Python's own site folders, added by a .pth file: when it is itself a venv,
        # --system-site-packages alone would show its base installation's packages, not its own.
        "$ZOETROPE_GPU_PYTHON" -c 'import sys; print("\n".join(f"import site; site.addsitedir({p!r})"
                                                  for p in sys.path if p.endswith("-packages")))' \
            > "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/gpu-python.pth"
    fi
    pip_install -r ltx-worker/requirements-gpu-host.txt
else
    CUDA_VARIANT="${ZOETROPE_TORCH_CUDA:-cu130}"
    INDEX="${ZOETROPE_TORCH_INDEX:-https://download.pytorch.org/whl/$CUDA_VARIANT}"
    TORCH_VERSION="$(sed -n 's/^torch==//p' ltx-worker/requirements-ci.txt)"
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    # The local version label (+cu130) keeps pip from taking a CPU wheel of the same version from any
    # other source; the CUDA libraries come as that wheel's dependencies from PyPI.
    pip_install --extra-index-url "$INDEX" "torch==$TORCH_VERSION+$CUDA_VARIANT" -r ltx-worker/requirements-gpu.txt
fi
pip_install --no-deps -e ltx-worker
"$VENV/bin/python" - <<'PY'
import sys
from importlib.metadata import version

import torch

if torch.version.cuda is None:
    sys.exit(f"{sys.prefix}: torch {torch.__version__} is a CPU build; the GPU worker needs a CUDA build "
             "(check ZOETROPE_TORCH_CUDA / ZOETROPE_TORCH_INDEX, or ZOETROPE_GPU_PYTHON's torch)")
print(f"{sys.prefix}: torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"GPU: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none visible'}; "
      + ", ".join(f"{name} {version(name)}" for name in ("transformers", "diffusers", "accelerate", "torchao", "av")))
PY
