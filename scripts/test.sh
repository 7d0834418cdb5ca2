#!/usr/bin/env bash
# Set up (first time only) and run every check: ruff, mypy and the whole pytest suite
# (unit, integration against SecantusDB, browser tests in Debian's Chromium, and the
# scale-out tests with Debian's redis-server and caddy).
#   ./scripts/test.sh --quick   the inner loop: the same lint and type checks, then the unit and
#                               integration tests that start no app, browser or cluster, in
#                               parallel (pytest -m "not slow" -n auto)
# Any other arguments go to pytest (`-n 0`: the whole suite in one process).
set -euo pipefail
quick=false
if [ "${1:-}" = "--quick" ]; then
    quick=true
    shift
fi
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" requirements-dev.txt
# Python caches compiled modules in __pycache__ (ignored by git). A PYTHONDONTWRITEBYTECODE set
# for the whole machine would have each of the suite's hundreds of Python processes compile the
# project again, and pytest rewrite every test module again in each worker.
unset PYTHONDONTWRITEBYTECODE

# Debian's Chromium (browser tests), redis-server (several workers) and caddy (the proxy).
missing=()
if [ "$quick" = false ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v caddy >/dev/null || missing+=(caddy)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing from Debian for the tests: ${missing[*]}..."
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

ruff check .
ruff format --check .
# mypy reads while the tests run (a cold check takes 20 s of one core); its verdict counts at the
# end. At the lowest priority: it uses what the tests leave idle, instead of slowing them down.
mypy_log="$(mktemp)"
nice -n 19 mypy clerk_fullstack tests >"$mypy_log" 2>&1 &
mypy_pid=$!
# However the script ends (a failed Biome check exits early), mypy stops and its log goes.
trap 'kill "$mypy_pid" 2>/dev/null || true; rm -f "$mypy_log"' EXIT
# Biome (pinned in tools/biome) formats and lints the app's JavaScript asset.
biome_stamp="tools/biome/node_modules/.installed-$(sha256sum tools/biome/package-lock.json | cut -c1-16)"; [ -f "$biome_stamp" ] || { npm ci --prefix tools/biome --no-audit --no-fund && touch "$biome_stamp"; }
tools/biome/node_modules/.bin/biome check --config-path tools/biome clerk_fullstack/clerk/token_sender.js
# Clerk's own verifier (pinned @clerk/backend) for tests/auth/test_clerk_differential.py.
clerk_verify_stamp="tools/clerk-verify/node_modules/.installed-$(sha256sum tools/clerk-verify/package-lock.json | cut -c1-16)"; [ -f "$clerk_verify_stamp" ] || { npm ci --prefix tools/clerk-verify --no-audit --no-fund && touch "$clerk_verify_stamp"; }
# In parallel (pytest-xdist): four workers on two cores (with three, the apps' and browsers'
# waits left a core idle), one test file at a time each (a module's app starts once), in the
# order tests/conftest.py sets (the longest modules first; xdist would otherwise start the
# modules with the most tests first). `-n 0` runs it in one process.
status=0
if [ "$quick" = true ]; then
    pytest -m "not slow" -n auto "$@" || status=$?
else
    pytest --bench -n 4 --dist loadfile --no-loadscope-reorder "$@" || status=$?
fi
mypy_status=0
wait "$mypy_pid" || mypy_status=$?
cat "$mypy_log"
if [ "$mypy_status" != 0 ]; then
    echo "mypy found type errors (above)." >&2
    [ "$status" != 0 ] || status=$mypy_status
fi
exit "$status"
