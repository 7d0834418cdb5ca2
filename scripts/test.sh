#!/usr/bin/env bash
# Set up (first time only) and run every check: ruff, mypy and the whole pytest suite
# (unit, integration against SecantusDB, browser tests in Debian's Chromium, and the
# scale-out tests with Debian's redis-server and caddy).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" requirements-dev.txt

# Debian's Chromium (browser tests), redis-server (several workers) and caddy (the proxy).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v caddy >/dev/null || missing+=(caddy)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing from Debian for the tests: ${missing[*]}..."
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

ruff check .
ruff format --check .
mypy clerk_fullstack tests
# The stand-in's browser modules: format and lint with Biome, pinned in tools/jscheck.
jscheck_stamp="tools/jscheck/node_modules/.installed-$(sha256sum tools/jscheck/package-lock.json | cut -c1-16)"
[ -f "$jscheck_stamp" ] || { npm ci --prefix tools/jscheck --no-audit --no-fund && touch "$jscheck_stamp"; }
tools/jscheck/node_modules/.bin/biome ci --error-on-warnings --config-path=tools/jscheck clerk_fullstack/local_clerk
pytest --bench "$@"
