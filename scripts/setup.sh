#!/usr/bin/env bash
# One-time machine set-up (idempotent; seconds when everything is there).
# Supported: Debian/Ubuntu with rustup.  Installs only what is missing:
#   1. apt: chromium, chromium-driver (browser tests)
#   2. a wasm32-unknown-unknown std (rustup's, else a Debian-built fallback toolchain)
#   3. wasm-bindgen-cli (= the version in Cargo.lock) and wasm-pack, into ~/.cache/digit-matcher/tools
#   4. npm packages of tests/e2e
# and records the result in ~/.cache/digit-matcher/env.sh for the other scripts.
# Downloads come only from package registries (Debian apt, crates.io, npm).
#   --build-only   only what scripts/build-site.sh needs (no browser, no e2e packages)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$SECONDS
build_only=0
for a in "$@"; do
  case "$a" in --build-only) build_only=1 ;; *) die "unknown option $a (use --build-only)" ;; esac
done

# --- 0. platform --------------------------------------------------------------
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null || ! command -v rustup >/dev/null; then
  cat >&2 <<'MSG'
setup.sh supports Debian/Ubuntu with rustup only (apt-get, dpkg or rustup is missing).
Do these steps by hand, then write ~/.cache/digit-matcher/env.sh (see the end of this script):
  - install Rust with rustup (https://rustup.rs) and: rustup target add wasm32-unknown-unknown
  - install Chromium + the chromedriver of the same version, Node.js >= 18, python3
  - npm install --prefix ~/.cache/digit-matcher/tools/binaryen binaryen@132 (wasm-opt)
  - cargo install --root ~/.cache/digit-matcher/tools wasm-bindgen-cli --version <wasm-bindgen version in Cargo.lock>
  - cargo install --root ~/.cache/digit-matcher/tools --locked wasm-pack --version 0.15.1
  - (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)
MSG
  exit 1
fi
SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
APT=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600)

# --- 1. system packages ---------------------------------------------------------
step "apt packages"
want=()
command -v node >/dev/null || want+=(nodejs npm)      # wasm-opt, MNIST download, e2e test
if [ "$build_only" = 0 ]; then
  want+=(chromium chromium-driver)
  command -v python3 >/dev/null || want+=(python3)    # static server of demo and e2e test
fi
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  "${APT[@]}" update -qq
  "${APT[@]}" install -y -q "${missing[@]}"
else
  echo "ok: ${want[*]:-nothing needed}"
fi

# --- 2. wasm32 standard library ---------------------------------------------------
step "wasm32-unknown-unknown std"
has_wasm_std() { [ -d "$(rustc "$@" --print target-libdir --target wasm32-unknown-unknown 2>/dev/null)" ]; }
WASM_TOOLCHAIN=""
if has_wasm_std; then
  echo "ok: rustup's $(rustc -V)"
elif [ -f "$DM_CACHE/rust-wasm-debian/.complete" ]; then   # built by an earlier run
  bash "$ROOT/scripts/wasm-debian-toolchain.sh"
  WASM_TOOLCHAIN=wasm-debian
# rustup's download server sometimes hangs here: give it 90 s.
elif timeout 90 rustup target add wasm32-unknown-unknown && has_wasm_std; then
  echo "ok: added to $(rustc -V)"
else
  echo "rustup target add failed or hung: using the Debian fallback toolchain"
  bash "$ROOT/scripts/wasm-debian-toolchain.sh"
  WASM_TOOLCHAIN=wasm-debian
fi

# --- 3. wasm-bindgen-cli + wasm-pack ------------------------------------------------
step "wasm-bindgen-cli and wasm-pack"
[ -f Cargo.lock ] || cargo generate-lockfile
WBG=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
[ -n "$WBG" ] || die "no wasm-bindgen in Cargo.lock"
# "wasm-bindgen 0.2.130" / "wasm-pack 0.15.1"
have() { [ -x "$DM_TOOLS/bin/$1" ] && [ "$("$DM_TOOLS/bin/$1" --version | awk '{print $2}')" = "$2" ]; }
# cargo install builds in a temp dir, not in our CARGO_TARGET_DIR (whose lock a running build may hold).
tool_install() { env -u CARGO_TARGET_DIR cargo install --force --root "$DM_TOOLS" "$@"; }
# wasm-pack uses the wasm-bindgen on PATH only if it equals the Cargo.lock version (else it
# tries a download, which fails here).  NOT --locked: wasm-bindgen-cli's own lock file pins
# crates (webpki-roots 1.0.11) that the registry mirror here lacks.
if have wasm-bindgen "$WBG"; then echo "ok: wasm-bindgen $WBG"
else echo "installing wasm-bindgen-cli $WBG (about 6 min)"; tool_install wasm-bindgen-cli --version "$WBG"; fi
if have wasm-pack "$WASM_PACK_VERSION"; then echo "ok: wasm-pack $WASM_PACK_VERSION"
else echo "installing wasm-pack $WASM_PACK_VERSION (about 6 min)"; tool_install --locked wasm-pack --version "$WASM_PACK_VERSION"; fi

# --- 3b. wasm-opt -----------------------------------------------------------------------------
# binaryen from npm, not Debian's: Debian 12's binaryen 108 breaks wasm-bindgen's externref
# table (the optimised module fails to start: "WebAssembly.Table.set(): Argument 1 is invalid").
step "wasm-opt (binaryen $BINARYEN_VERSION, npm)"
if [ "$("$WASM_OPT" --version 2>/dev/null | awk '{print $3}')" = "$BINARYEN_VERSION" ]; then
  echo "ok: $("$WASM_OPT" --version)"
else
  npm install --prefix "$DM_TOOLS/binaryen" --no-audit --no-fund --no-save "binaryen@$BINARYEN_VERSION"
fi

# --- 4. npm packages of the end-to-end test ------------------------------------------------
step "tests/e2e npm packages"
E2E="$ROOT/tests/e2e"
if [ "$build_only" = 1 ]; then
  echo "skip: --build-only"
elif [ -f "$E2E/package.json" ]; then
  # Stale when package.json / package-lock.json changed since the last install.
  sum=$(cat "$E2E/package.json" "$E2E/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)
  stamp="$E2E/node_modules/.digit-matcher-installed"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
    echo "ok: node_modules up to date"
  else
    # playwright-core drives Debian's /usr/bin/chromium; never download browsers.
    if [ -f "$E2E/package-lock.json" ]; then cmd=(npm ci); else cmd=(npm install --no-package-lock); fi
    echo "running ${cmd[*]} in tests/e2e"
    (cd "$E2E" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "${cmd[@]}" --no-audit --no-fund)
    echo "$sum" > "$stamp"
  fi
else
  echo "skip: no tests/e2e/package.json"
fi

# --- 5. record the environment -------------------------------------------------------
mkdir -p "$DM_CACHE"
new=$(cat <<ENV
# Written by digit-matcher's scripts/setup.sh.  Source it before wasm commands.
export PATH="$DM_TOOLS/bin:\$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
# Empty: rustup's default toolchain has the wasm32 std.  Else run wasm32 cargo/wasm-pack
# commands with RUSTUP_TOOLCHAIN=\$WASM_TOOLCHAIN (scripts/lib.sh: wasm_run).
export WASM_TOOLCHAIN="$WASM_TOOLCHAIN"
ENV
)
[ "$(cat "$DM_ENV" 2>/dev/null)" = "$new" ] || { echo "$new" > "$DM_ENV"; echo "wrote $DM_ENV"; }
echo "setup done in $((SECONDS - start)) s"
