#!/usr/bin/env bash
# Assemble the deployable static site in dist/: the contents of www/ plus pkg/ as dist/pkg/
# (the page imports ./pkg/digit_matcher.js).
#   scripts/build-site.sh          pkg with the size-tuned `pkg` profile (what we ship; slow)
#   scripts/build-site.sh --fast   pkg with the `release` profile (what the tests use; shares
#                                  its cargo build with the browser tests).  Or DM_FAST=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
fast="${DM_FAST:-0}"
for a in "$@"; do
  case "$a" in --fast) fast=1 ;; *) die "unknown option $a (use --fast)" ;; esac
done

if [ "$fast" = 1 ]; then bash scripts/build-pkg.sh --fast; else bash scripts/build-pkg.sh; fi

step "dist/ = www/ + pkg/"
[ -f www/index.html ] || die "www/index.html is missing"
rm -rf dist
mkdir -p dist
cp -R www/. dist/
mkdir -p dist/pkg
# Only what the page loads; wasm-pack's pkg/.gitignore ("*") would also hide dist/pkg from git-based deploys.
cp pkg/*.js pkg/*.wasm dist/pkg/
cp pkg/*.d.ts dist/pkg/ 2>/dev/null || true
du -sh dist
ls dist dist/pkg
