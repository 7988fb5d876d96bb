# Shared helpers for scripts/*.sh.  Source it:  . "$(dirname "$0")/lib.sh"
# Every build cache lives outside the repo, under $DM_CACHE, so a fresh clone
# elsewhere (CI) reuses a machine's earlier builds.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DM_CACHE="${DM_CACHE:-$HOME/.cache/digit-matcher}"
DM_TOOLS="$DM_CACHE/tools"            # cargo install --root: wasm-bindgen, wasm-pack
DM_ENV="$DM_CACHE/env.sh"             # written by setup.sh: PATH, CHROMEDRIVER, WASM_TOOLCHAIN
WASM_PACK_VERSION=0.15.1
BINARYEN_VERSION=132
WASM_OPT="$DM_TOOLS/binaryen/node_modules/.bin/wasm-opt"   # setup.sh installs it (npm)
# Native builds (cargo build/test/run).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DM_CACHE/target}"
# wasm32 builds get their own target dir: a native build and a wasm build can then run at
# the same time without waiting on each other's cargo lock.  wasm-pack build and
# wasm-pack test share it, so the browser tests reuse the --release pkg build.
WASM_TARGET_DIR="${WASM_TARGET_DIR:-$DM_CACHE/target-wasm}"
# The shipped build (profile `pkg`) shares no artifact with `release` anyway; its own dir
# keeps its long fat-LTO build from locking out the test builds.
PKG_TARGET_DIR="${PKG_TARGET_DIR:-$DM_CACHE/target-pkg}"

step() { printf '\n==> %s\n' "$*"; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Load what setup.sh recorded (tools on PATH, wasm toolchain, chromedriver).
load_env() {
  [ -f "$DM_ENV" ] || die "$DM_ENV is missing: run scripts/setup.sh first"
  # shellcheck disable=SC1090
  . "$DM_ENV"
}

# Run a wasm32 command (cargo/wasm-pack) on the toolchain setup.sh chose: rustup's
# default one, or the Debian fallback `wasm-debian` (never exported globally: it
# has no clippy/rustfmt).
wasm_run() {
  if [ -n "${WASM_TOOLCHAIN:-}" ]; then
    RUSTUP_TOOLCHAIN="$WASM_TOOLCHAIN" CARGO_TARGET_DIR="$WASM_TARGET_DIR" "$@"
  else
    CARGO_TARGET_DIR="$WASM_TARGET_DIR" "$@"
  fi
}

# Raw and gzip -9 size of a file, e.g. "9.8 MB raw, 1.9 MB gzip -9".
sizes() {
  local raw gz
  raw=$(stat -c %s "$1"); gz=$(gzip -9 -c "$1" | wc -c)
  awk -v r="$raw" -v g="$gz" -v f="$1" 'BEGIN { printf "%s: %.2f MB raw, %.2f MB gzip -9\n", f, r/1e6, g/1e6 }'
}
