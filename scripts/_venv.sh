# Shared by scripts/demo and scripts/test: create or reuse .venv and install tunegate.
# torch is installed first and pinned: on this project's machines `torch==2.13.0` is a
# CPU build on local disk; elsewhere it is the normal wheel. Installing the project after
# it keeps pip from pulling a different (multi-GB CUDA) build to satisfy `torch>=2.3`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
EXTRAS="${1:-}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
fi
"$VENV/bin/python" -m pip install -q -e "$ROOT${EXTRAS:+[$EXTRAS]}"
