#!/usr/bin/env bash
# The demo: set up, build the site (shipped pkg; pass --fast for the quicker release
# build) and serve dist/ on http://127.0.0.1:$PORT/ (default 8080).  Ctrl-C stops it.
# 127.0.0.1 is a secure context, which WebGPU requires.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PORT="${PORT:-8080}"
bash scripts/setup.sh
bash scripts/build-site.sh "$@"
step "serving dist/"
echo "Open http://127.0.0.1:$PORT/  (Ctrl-C stops the server)"
exec python3 -m http.server --bind 127.0.0.1 --directory dist "$PORT"
