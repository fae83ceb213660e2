#!/usr/bin/env bash
# The demo: builds the dlwit CLI and the demo guests, then runs each guest
# against the real library its WIT names (libm, libc, zlib, zlib's and
# bzip2's streams, SDL2's event loop, sqlite, and sqlite again from a
# Python guest), and
# the raylib game (raylib built from source, once) in a window: under
# xvfb-run when there is no display, saving its last frame as a screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== building the dlwit CLI (the first build compiles wasmtime: several minutes)" >&2
cargo build -p dlwit --bin dlwit
echo "== building the guest components (wasm32-wasip2)" >&2
(cd guest && cargo build --release --target wasm32-wasip2 -p libm-demo -p libc-demo -p zlib-demo -p zstream -p bz-demo -p sqlite-demo -p sdl-events -p raylib-game)

for lib in libm zlib; do
  echo
  echo "== dlwit run --wit wit/$lib.wit guest/target/wasm32-wasip2/release/$lib-demo.wasm"
  target/debug/dlwit run --wit "wit/$lib.wit" "guest/target/wasm32-wasip2/release/$lib-demo.wasm"
done

# Streams whose C struct (`z_stream`, `bz_stream`) the host holds in place:
# 16 MiB through deflate and inflate, 4 MiB through bzip2, in chunks.
echo
echo "== dlwit run --wit wit/zlib.wit guest/target/wasm32-wasip2/release/zstream.wasm pipe 16"
target/debug/dlwit run --wit wit/zlib.wit guest/target/wasm32-wasip2/release/zstream.wasm pipe 16
echo
echo "== dlwit run --wit wit/bzip2.wit guest/target/wasm32-wasip2/release/bz-demo.wasm pipe 4"
target/debug/dlwit run --wit wit/bzip2.wit guest/target/wasm32-wasip2/release/bz-demo.wasm pipe 4

# SDL2's event loop: `SDL_Event`, a tagged union, read and written as a WIT
# variant, on SDL's dummy video driver (no display needed).
echo
echo "== dlwit run --wit wit/sdl2.wit guest/target/wasm32-wasip2/release/sdl-events.wasm"
target/debug/dlwit run --wit wit/sdl2.wit guest/target/wasm32-wasip2/release/sdl-events.wasm

# libc's functions that take paths see only the directory the guest was
# given, here a temporary one as `/sandbox`.
sandbox="$(mktemp -d)"
echo
echo "== dlwit run --wit wit/libc.wit --dir $sandbox::/sandbox guest/target/wasm32-wasip2/release/libc-demo.wasm"
target/debug/dlwit run --wit wit/libc.wit --dir "$sandbox::/sandbox" guest/target/wasm32-wasip2/release/libc-demo.wasm
rm -r "$sandbox"

# sqlite opens the database file on the host, but only in a directory the
# guest was given (`--dir HOST::GUEST`), named as the guest names it.
dir="$(mktemp -d)"
echo
echo "== dlwit run --wit wit/sqlite.wit --dir $dir::/data guest/target/wasm32-wasip2/release/sqlite-demo.wasm /data/demo.db"
target/debug/dlwit run --wit wit/sqlite.wit --dir "$dir::/data" guest/target/wasm32-wasip2/release/sqlite-demo.wasm /data/demo.db
rm -r "$dir"

# The same sqlite calls from Python: guest-langs/python/app.py, built by
# componentize-py for the world of sqlite alone (docs/guests.md).
py="$(scripts/langs.sh build python-sqlite)"
dir="$(mktemp -d)"
echo
echo "== dlwit run --wit wit/sqlite.wit --dir $dir::/data ${py#"$PWD/"}   (Python)"
target/debug/dlwit run --wit wit/sqlite.wit --dir "$dir::/data" "$py"
rm -r "$dir"

# raylib is not in Debian: scripts/raylib.sh builds it from the source the
# crates.io raylib-sys package bundles (and installs cmake, the X11/GL
# headers and Xvfb), once, into target/raylib.
raylib="$(scripts/raylib.sh)"
root="$PWD"
mkdir -p target/demo
# The screenshot goes to the guest's one directory, target/demo, given as `.`.
game=("$root/target/debug/dlwit" run --wit "$root/wit/raylib.wit" --lib "$raylib"
  --dir "$root/target/demo::." "$root/guest/target/wasm32-wasip2/release/raylib-game.wasm" 240 raylib-game.png)
echo
if [[ -n "${DISPLAY:-}" ]]; then
  echo "== dlwit run --wit wit/raylib.wit --lib $raylib --dir target/demo::. raylib-game.wasm 240 raylib-game.png"
  "${game[@]}"
else
  echo "== xvfb-run dlwit run --wit wit/raylib.wit --lib $raylib --dir target/demo::. raylib-game.wasm 240 raylib-game.png"
  echo "   (no display: 240 frames on a virtual one)"
  xvfb-run -a -s "-screen 0 1280x720x24" "${game[@]}"
fi
echo "screenshot: target/demo/raylib-game.png"
