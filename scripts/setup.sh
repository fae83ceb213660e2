#!/usr/bin/env bash
# Installs what dlwit's demo and tests need on a fresh Debian machine with
# rustup: the C libraries they bind, libffi, libclang (loaded at run time by
# `dlwit import` and `dlwit check --verify-layout`), the wasm32-wasip2 target,
# and the toolchains of the Python, JavaScript and C guests (scripts/langs.sh:
# componentize-py, ComponentizeJS, wit-bindgen-cli with clang and wasi-libc).
set -euo pipefail

packages=(gcc pkg-config libffi-dev zlib1g-dev libsqlite3-dev libclang-dev)
# SDL2 (wit/sdl2.wit, its event loop run by the demo and the tests), and
# headers of libraries dlwit does not bind, which `dlwit import` is tested on.
packages+=(libuv1-dev libyaml-dev libbz2-dev libzstd-dev libsdl2-dev libsodium-dev
  liblzma-dev libpng-dev libcurl4-openssl-dev libssl-dev libexpat1-dev libpcre2-dev
  libgmp-dev liblua5.4-dev libarchive-dev libjpeg-dev libz3-dev libdrm-dev uuid-dev
  libleveldb-dev libevent-dev libjson-c-dev libpq-dev libcairo2-dev libpixman-1-dev libmpfr-dev libogg-dev
  libxml2-dev libglib2.0-dev libnotify-dev liblcms2-dev libncurses-dev tcl8.6-dev libcmocka-dev)
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
apt_missing setup "${packages[@]}"
# The headers wit/generated is imported from, at the release apt offers.
apt_current setup zlib1g-dev libsqlite3-dev libexpat1-dev
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "setup: adding the wasm32-wasip2 target" >&2
  rustup target add wasm32-wasip2
fi
"$(dirname "$0")/langs.sh" setup
