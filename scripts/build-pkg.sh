#!/usr/bin/env bash
# Build the JS/wasm package pkg/ (for <script type="module">, wasm-pack --target web).
#   scripts/build-pkg.sh          the shipped build: cargo profile `pkg` (opt-level z, CPU hot
#                                 paths at 3, fat LTO, one codegen unit; ~10 min cold), then
#                                 wasm-opt -Oz
#   scripts/build-pkg.sh --fast   cargo profile `release` + wasm-pack's wasm-opt settings from
#                                 Cargo.toml; the browser tests build the same, so it is warm there
# Prints the raw and gzip -9 size of the .wasm.  Needs scripts/setup.sh first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
fast=0
for a in "$@"; do
  case "$a" in --fast) fast=1 ;; *) die "unknown option $a (use --fast)" ;; esac
done
load_env
# --mode no-install: never download wasm-bindgen/wasm-opt/chromedriver (use setup.sh's).
if [ "$fast" = 1 ]; then
  step "pkg/ with the release profile"
  wasm_run wasm-pack build --target web --release --mode no-install
else
  step "pkg/ with the pkg profile"
  # wasm-pack 0.15 takes --profile, but reads wasm-opt settings for a custom profile only from
  # [package.metadata.wasm-pack.profile.custom] whatever its name, so run wasm-opt ourselves.
  WASM_TARGET_DIR="$PKG_TARGET_DIR" wasm_run wasm-pack build --target web --profile pkg --mode no-install --no-opt
  WASM=$(ls pkg/*_bg.wasm)
  echo "before wasm-opt: $(sizes "$WASM")"
  # wasm-opt -Oz takes minutes; reuse its output while the input and wasm-opt are unchanged.
  key=$({ sha256sum < "$WASM"; "$WASM_OPT" --version; } | sha256sum | cut -c1-16)   # input and optimiser
  cache="$DM_CACHE/wasm-opt"; out="$cache/$key.wasm"
  if [ -f "$out" ]; then
    echo "wasm-opt: input unchanged, reusing $out"
  else
    step "wasm-opt -Oz ($("$WASM_OPT" --version); several minutes)"
    mkdir -p "$cache"; rm -f "$cache"/*.wasm
    # The features the build uses (rustc's wasm32 defaults + simd128 from .cargo/config.toml),
    # explicit so that wasm-opt does not depend on the target_features section (gone if stripped).
    "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd \
      "$WASM" -o "$out.tmp"
    mv "$out.tmp" "$out"
  fi
  cp "$out" "$WASM"
fi
step "size"
for f in pkg/*.wasm; do sizes "$f"; done
