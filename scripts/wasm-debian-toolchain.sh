#!/usr/bin/env bash
# Fallback wasm32 toolchain, used by setup.sh only when `rustup target add
# wasm32-unknown-unknown` cannot reach rustup's server.  Registries only:
# Debian's rustc-web + its matching std source rust-web-src (same Debian version;
# other rustc versions cannot build that std), linked as the rustup toolchain
# `wasm-debian`, with a wasm32 std sysroot built once (2-4 min) and cached in
# ~/.cache/digit-matcher/rust-wasm-debian.  Afterwards
#   RUSTUP_TOOLCHAIN=wasm-debian cargo build --target wasm32-unknown-unknown   (and wasm-pack)
# work without -Z flags.  Idempotent: when built, it only re-links the toolchain.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TC="$DM_CACHE/rust-wasm-debian"
NAME=wasm-debian
SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
APT=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600)

if [ -f "$TC/.complete" ]; then
  rustup toolchain link "$NAME" "$TC"
  echo "ok: toolchain $NAME at $TC"; exit 0
fi

# 1. Versions: rustc-web, its std and std source must be the same Debian version.
case "$(apt-cache policy rustc-web 2>/dev/null | awk '/Candidate/{print $2}')" in ""|"(none)") "${APT[@]}" update -qq ;; esac
VER="$(apt-cache policy rustc-web | awk '/Candidate/{print $2}')"      # e.g. 1.96.0+dfsg1-1~deb12u2
case "$VER" in ""|"(none)") die "apt has no rustc-web (needs Debian 12 with bookworm-security)";; esac
MM="$(echo "$VER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')"               # e.g. 1.96
LLVM="$(apt-cache show "rustc-web=$VER" "libstd-rust-web-$MM=$VER" | grep -o 'libllvm[0-9]*' | head -1)"
LLVMV="${LLVM#libllvm}"
echo "Debian rustc-web $VER (Rust $MM, LLVM $LLVMV)"

# 2. LLVM runtime + lld (the wasm linker) install cleanly next to rustup.
"${APT[@]}" install -y -q "$LLVM" "lld-$LLVMV"

# 3. Unpack (not install) compiler, host std and std source: installing would add
#    /usr/bin/rustc, and rust-web-src conflicts with Debian's rustup package.
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "rustc-web=$VER" "libstd-rust-web-$MM=$VER" \
    "libstd-rust-web-dev=$VER" "rust-web-src=$VER")
mkdir -p "$work/root"
for f in "$work"/*.deb; do dpkg -x "$f" "$work/root"; done
rm -rf "$TC"; mkdir -p "$(dirname "$TC")"
mv "$work/root/usr" "$TC"
rm -rf "$TC/share/doc" "$TC/share/man" "$TC/share/lintian"
# rustup puts $TC/lib on LD_LIBRARY_PATH; Debian keeps librustc_driver in lib/<triple>.
for f in "$TC"/lib/x86_64-linux-gnu/librustc_driver-*.so; do ln -sf "x86_64-linux-gnu/${f##*/}" "$TC/lib/"; done
# Reuse rustup's stable cargo (Debian's cargo-web needs more system libraries).
ln -sf "$(rustup +stable which cargo)" "$TC/bin/cargo"
# wasm32 links with `rust-lld -flavor wasm`, looked up in <sysroot>/lib/rustlib/<host>/bin.
mkdir -p "$TC/lib/rustlib/x86_64-unknown-linux-gnu/bin"
ln -sf "/usr/lib/llvm-$LLVMV/bin/lld" "$TC/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
rustup toolchain link "$NAME" "$TC"
rustc "+$NAME" -V

# 4. Build the wasm32 std once (bitcode embedded so that the crate's LTO profiles work).
mkdir -p "$work/sb/src"
printf '[package]\nname = "sysroot-builder"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["rlib"]\n[profile.release]\nopt-level = 3\ndebug = 0\n' > "$work/sb/Cargo.toml"
echo '#![no_std]' > "$work/sb/src/lib.rs"
(cd "$work/sb" && RUSTUP_TOOLCHAIN="$NAME" RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Cembed-bitcode=yes" \
    CARGO_TARGET_DIR="$work/sb/target" \
    cargo build --release -Zbuild-std=std,panic_abort,test --target wasm32-unknown-unknown)
L="$TC/lib/rustlib/wasm32-unknown-unknown/lib"
mkdir -p "$L"
cp "$work"/sb/target/wasm32-unknown-unknown/release/deps/*.{rlib,rmeta} "$L/"
rm -f "$L"/libsysroot_builder-*
rm -rf "$TC/src" "$TC/lib/rustlib/src"      # the 434 MB std source is no longer needed
touch "$TC/.complete"
echo "ok: toolchain $NAME at $TC ($(du -sh "$TC" | cut -f1))"
