#!/usr/bin/env bash
# Benchmark of the wasm package in headless Chromium, per backend ("webgpu": SwiftShader here;
# "cpu": burn's flex backend in wasm): time to `create`, first `match` (shader compilation
# included), warm `match` median and p95, preprocessing of a 280×280 canvas, and a leak check
# (wasm memory, JS heap after gc(), GPU-process and renderer RSS over LEAK_CALLS `match` calls in
# a row); plus the wasm size raw and gzip -9.  A measurement, not a test: it exits non-zero only
# when a backend fails to run.
#   scripts/bench.sh              the shipped pkg/ (cargo profile `pkg` + wasm-opt -Oz; ~10+ min cold)
#   scripts/bench.sh --fast       the release-profile pkg/ (what the tests build; no wasm-opt)
#   scripts/bench.sh --no-build   the pkg/ that is there now
# Environment: WARM_CALLS (500), LEAK_CALLS (10000; LEAK_CALLS_WEBGPU / LEAK_CALLS_CPU for one
# backend: SwiftShader's WebGPU takes about 80 ms a call here, so 10,000 take about 15 min),
# SAMPLE_EVERY (1000: memory sample interval), BACKENDS ("webgpu,cpu"), BENCH_JSON (also write
# the JSON there), BENCH_TIMEOUT_S (21600 per backend),
# CHROMIUM_PATH (/usr/bin/chromium).  The page is bench/; the served folder is
# $DM_CACHE/dist-bench (bench/ + pkg/), outside the repo.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
build=(); profile="pkg (opt-level z, CPU hot paths 3, fat LTO, wasm-opt -Oz)"; skip=0
for a in "$@"; do
  case "$a" in
    --fast) build=(--fast); profile="release (no wasm-opt)" ;;
    --no-build) skip=1; profile="pkg/ as found" ;;
    *) die "unknown option $a (use --fast or --no-build)" ;;
  esac
done

step "set-up"
bash scripts/setup.sh
if [ "$skip" = 1 ]; then
  [ -f pkg/digit_matcher.js ] || die "no pkg/ to benchmark: run without --no-build"
  step "size of pkg/*.wasm"
  for f in pkg/*.wasm; do sizes "$f"; done
else
  bash scripts/build-pkg.sh "${build[@]}"    # ends with the raw and gzip -9 size (lib.sh `sizes`)
fi

# Served folder: the page and a snapshot of pkg/ (another build may rewrite pkg/ meanwhile).
out="$DM_CACHE/dist-bench"
rm -rf "$out"
mkdir -p "$out/pkg"
cp bench/index.html bench/bench.js "$out/"
cp pkg/*.js pkg/*.wasm "$out/pkg/"

step "benchmark in $(/usr/bin/chromium --version 2>/dev/null || echo Chromium): WARM_CALLS=${WARM_CALLS:-500} LEAK_CALLS=${LEAK_CALLS:-10000} BACKENDS=${BACKENDS:-webgpu,cpu}"
BENCH_PROFILE="$profile" node scripts/bench.mjs "$out"
