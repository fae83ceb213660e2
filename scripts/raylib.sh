#!/usr/bin/env bash
# Builds raylib 5.5 as a shared library into target/raylib/ (once; later runs
# reuse it) and prints the library's path. raylib is not in Debian: the C
# source comes from the crates.io `raylib-sys` package, fetched by cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/target/raylib"
lib="$out/lib/libraylib.so"
if [[ -f "$lib" ]]; then
  echo "$lib"
  exit 0
fi

packages=(cmake libx11-dev libxrandr-dev libxinerama-dev libxcursor-dev libxi-dev libgl1-mesa-dev xvfb)
. scripts/apt.sh
apt_missing raylib "${packages[@]}"

mkdir -p "$out"
manifest=scripts/raylib-src/Cargo.toml
echo "raylib: fetching the raylib-sys source with cargo" >&2
cargo fetch --manifest-path "$manifest" -q
src=$(cargo metadata --manifest-path "$manifest" --format-version 1 |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(p["manifest_path"] for p in d["packages"] if p["name"]=="raylib-sys"))')
src="$(dirname "$src")/raylib"

echo "raylib: building $src with cmake (about 2 minutes, once)" >&2
cmake -S "$src" -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DBUILD_EXAMPLES=OFF -DCUSTOMIZE_BUILD=ON -DUSE_AUDIO=OFF -DPLATFORM=Desktop \
  -DCMAKE_INSTALL_PREFIX="$out" -DCMAKE_INSTALL_LIBDIR=lib >"$out.cmake.log" 2>&1 ||
  { cat "$out.cmake.log" >&2; exit 1; }
cmake --build "$out/build" -j"$(nproc)" >>"$out.cmake.log" 2>&1 || { tail -50 "$out.cmake.log" >&2; exit 1; }
cmake --install "$out/build" >>"$out.cmake.log" 2>&1 || { tail -50 "$out.cmake.log" >&2; exit 1; }
echo "$lib"
