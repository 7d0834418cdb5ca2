#!/usr/bin/env bash
# Set up (first time only) and run the app: http://localhost:3000
# With no Clerk keys configured it runs the local Clerk emulator and the embedded MongoDB.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" requirements.txt
exec reflex run "$@"
