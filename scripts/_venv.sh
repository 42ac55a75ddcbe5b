# Shared by scripts/demo and scripts/test: create or reuse .venv and install tunegate.
# torch is installed first and pinned: on this project's machines `torch==2.13.0` is a
# CPU build on local disk; elsewhere it is the normal wheel. Installing the project after
# it keeps pip from pulling a different (multi-GB CUDA) build to satisfy `torch>=2.3`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
EXTRAS="${1:-}"
LOG="$ROOT/.venv-install.log"
_pip() {
  if ! "$VENV/bin/python" -m pip install "$@" >>"$LOG" 2>&1; then
    echo "pip install $* failed; the log follows ($LOG):" >&2
    tail -40 "$LOG" >&2
    exit 2
  fi
}
: >"$LOG"
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV" >&2
  "$PY" -m venv "$VENV"
fi
echo "installing tunegate${EXTRAS:+[$EXTRAS]} into .venv (log: $LOG)" >&2
_pip -q --upgrade pip
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  _pip -q "torch==2.13.0"
fi
_pip -q -e "$ROOT${EXTRAS:+[$EXTRAS]}"
