#!/usr/bin/env bash
# The test suite on AArch64 Linux, run on this x86-64 machine under QEMU's
# user-mode emulation: installs the cross C compiler, qemu-user, the arm64
# builds of libffi, zlib, bzip2, sqlite and SDL2 (Debian multiarch) and the Rust target,
# cross-builds the workspace's tests and runs them with qemu-aarch64 (cargo's
# runner for the target; the tests run the binaries they build for it, the
# `dlwit` CLI, the layout probe, through the same runner).
set -euo pipefail
cd "$(dirname "$0")/.."
triple=aarch64-unknown-linux-gnu

packages=(gcc-aarch64-linux-gnu qemu-user libffi-dev:arm64 zlib1g-dev:arm64 libbz2-1.0:arm64 libsqlite3-dev:arm64 libsdl2-2.0-0:arm64 libgmp10:arm64)
. scripts/apt.sh
apt_missing arm64 "${packages[@]}"
if ! rustup target list --installed | grep -qx "$triple"; then
  echo "arm64: adding the $triple target" >&2
  rustup target add "$triple"
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# libc6:arm64 (with the -dev packages) puts the arm64 loader and libc in
# the root: no -L prefix (mixing the cross prefix's libc with it hangs).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig

# Not run here: the importer's tests (`import::`: libclang is loaded at run
# time, and the importer is a host tool whose output, WIT, is the same for
# every target), the other languages' guests (`langs::`: their components
# are the same wasm on every machine and are tested on the host; Python's is
# 18 MB of code for wasmtime to compile inside the emulator), raylib (built
# for the host only).
echo "== cargo test --target $triple (under qemu-aarch64)" >&2
if (($#)); then
  cargo test --target "$triple" -p dlwit-ctype -p dlwit -p dlwit-tests --no-fail-fast "$@"
else
  cargo test --target "$triple" -p dlwit-ctype -p dlwit -p dlwit-tests --no-fail-fast \
    -- --skip import:: --skip langs::
fi
