#!/usr/bin/env bash
# Everything CI runs (.ci/run): set-up, MNIST, native tests, browser tests (headless
# Chromium, WebGPU on SwiftShader), then the end-to-end test of the built site.
# Stops at the first failure with a non-zero exit.
#   scripts/test.sh                     native, browser and e2e (what CI runs)
#   scripts/test.sh browser e2e         only these parts, after set-up
#   scripts/test.sh shipped             the end-to-end test on the shipped (size-tuned) pkg: catches
#                                       an optimiser that breaks the module; slow (fat LTO, wasm-opt)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
parts="${*:-native browser e2e}"
for p in $parts; do case "$p" in native|browser|e2e|shipped) ;; *) die "unknown part $p (native, browser, e2e, shipped)" ;; esac; done
want() { [[ " $parts " == *" $1 "* ]]; }
start=$SECONDS
current="set-up"; done_steps=()
server_pid=""
finish() {
  rc=$?
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  if [ "$rc" = 0 ]; then
    printf '\nTESTS PASSED: %s (%d s)\n' "${done_steps[*]}" "$((SECONDS - start))"
  else
    printf '\nTESTS FAILED at: %s (exit %d, after %d s; passed before it: %s)\n' \
      "$current" "$rc" "$((SECONDS - start))" "${done_steps[*]:-none}" >&2
  fi
  exit "$rc"
}
trap finish EXIT
phase() { current="$1"; step "$1"; }
passed() { done_steps+=("$current"); }
# Serve dist/ on a free 127.0.0.1 port (a secure context, as WebGPU needs) and run the
# end-to-end test against it.
e2e_on_dist() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory dist "$port" >/dev/null 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  SITE_URL="http://127.0.0.1:$port/" node --test tests/e2e/
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

phase "set-up";      bash scripts/setup.sh;       passed
phase "MNIST";       bash scripts/fetch-mnist.sh; passed
load_env

if want native; then
  phase "native tests"
  cargo test --release
  passed
fi

if want browser; then
  phase "browser tests"
  # webdriver.json (crate root) gives Chromium --enable-unsafe-webgpu; $CHROMEDRIVER is Debian's driver.
  # Per-test timeout: WebGPU on SwiftShader (a CPU emulation of a GPU) takes seconds to compile shaders.
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}" \
    wasm_run wasm-pack test --headless --chrome --release --mode no-install
  passed
fi

if want e2e && [ -d tests/e2e ]; then
  phase "end-to-end test"
  bash scripts/build-site.sh --fast          # release-profile pkg: reuses the browser tests' build
  e2e_on_dist
  passed
fi

if want shipped && [ -d tests/e2e ]; then
  phase "end-to-end test, shipped pkg"
  bash scripts/build-site.sh
  e2e_on_dist
  passed
fi
