#!/usr/bin/env bash
# The non-Rust guests of guest-langs/ (docs/guests.md): installs their
# toolchains and builds them, caching each component under target/langs/.
#
#   scripts/langs.sh setup [python|js|c]...   install the toolchains (all by default)
#   scripts/langs.sh build python|python-sqlite|js|c-utf8|c-utf16
#                                             build one guest (installing its
#                                             toolchain first) and print its path
#
# Toolchains, pinned:
#   python  componentize-py 0.25.1 (pip)
#   js      @bytecodealliance/componentize-js 0.23.0 (npm, into target/langs/npm)
#   c       wit-bindgen-cli 0.46.0 (cargo install), Debian's clang-14, lld-14,
#           wasi-libc and libclang-rt-14-dev-wasm32 (apt), and wasm-component-ld
#           from the Rust toolchain (it ships with the wasm32-wasip2 target)
#
# A component is rebuilt only when its sources, the WITs, this script or the
# toolchain's version change: its file name carries a hash of them all.
# Everything is idempotent and quiet; long steps say so on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="$root/target/langs"
mkdir -p "$out"

PY_VERSION=0.25.1
WIT_BINDGEN_VERSION=0.46.0
C_PACKAGES=(clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)

say() { echo "langs: $*" >&2; }

# Runs a command quietly; on failure shows what it printed.
quiet() {
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "failed: $*"
    exit 1
  fi
  rm -f "$log"
}

# Installs Debian packages, quietly.
apt_install() {
  say "installing $* with apt-get"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  quiet $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive quiet $sudo apt-get install -y -qq "$@"
}

setup_python() {
  if [[ "$(componentize-py --version 2>/dev/null)" != "componentize-py $PY_VERSION" ]]; then
    say "installing componentize-py $PY_VERSION with pip (about a minute)"
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    local flags=()
    # Debian's own Python refuses pip installs outside a virtualenv (PEP 668).
    python3 -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")))' &&
      flags=(--break-system-packages)
    quiet python3 -m pip install --quiet --disable-pip-version-check "${flags[@]}" "componentize-py==$PY_VERSION"
  fi
}

# The npm packages go to target/langs/npm, installed from the lockfile
# guest-langs/js/package-lock.json; reinstalled when it changes.
setup_js() {
  local dir="$out/npm" want
  want="$(cat guest-langs/js/package.json guest-langs/js/package-lock.json | sha256sum | cut -c1-16)"
  if [[ ! -x "$dir/node_modules/.bin/componentize-js" || "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ]]; then
    command -v npm >/dev/null || apt_install nodejs npm
    say "installing ComponentizeJS with npm into target/langs/npm (about a minute)"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp guest-langs/js/package.json guest-langs/js/package-lock.json "$dir/"
    (cd "$dir" && quiet npm ci --no-audit --no-fund --silent)
    echo "$want" >"$dir/.installed"
  fi
}

setup_c() {
  local missing=() p
  for p in "${C_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
  if [[ "$(wit-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WIT_BINDGEN_VERSION" ]]; then
    say "installing wit-bindgen-cli $WIT_BINDGEN_VERSION with cargo install (5-10 minutes, once)"
    quiet cargo install --quiet --locked wit-bindgen-cli --version "$WIT_BINDGEN_VERSION"
  fi
  [[ -x "$(component_ld)" ]] || { say "wasm-component-ld is missing from the Rust toolchain: rustup target add wasm32-wasip2"; exit 1; }
}

# The wasm-component-ld that rustup installs with the Rust toolchain.
component_ld() {
  echo "$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/wasm-component-ld"
}

# The guest world and its dependencies, laid out as the toolchains read
# them: target/langs/wit-$1/{world.wit, deps/...} (one per guest: the tests
# build them in parallel).
wit_dir() {
  local dir="$out/wit-$1"
  rm -rf "$dir"
  mkdir -p "$dir/deps"
  cp guest-langs/wit/world.wit "$dir/"
  cp -r guest-langs/wit/deps/cli wit/deps/c "$dir/deps/"
  cp wit/sqlite.wit wit/zlib.wit wit/libm.wit "$dir/deps/"
  echo "$dir"
}

# Removes the older builds of guest `$1` (and their compiled code, which
# the tests keep beside them) once `$2` is built.
prune() {
  local f
  for f in "$out/$1"-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*.wasm*; do
    [[ -e "$f" && "$f" != "$2" && "$f" != "$2".* ]] && rm -f "$f"
  done
  return 0
}

# A hash of the files that make a guest, this script and `$1` (the
# toolchain's version).
key() {
  local version="$1"
  shift
  { echo "$version"; cat scripts/langs.sh guest-langs/wit/world.wit guest-langs/wit/deps/cli/run.wit \
      wit/sqlite.wit wit/zlib.wit wit/libm.wit wit/deps/c/*.wit "$@"; } | sha256sum | cut -c1-16
}

# The Python guest for world `$1`: `guest` (sqlite, zlib, libm) or
# `sqlite-guest` (sqlite alone, for `dlwit run --wit wit/sqlite.wit`).
build_python() {
  local world="$1" name="python"
  [[ $world == guest ]] || name="python-sqlite"
  setup_python
  local file
  file="$out/$name-$(key "$(componentize-py --version) $world" guest-langs/python/*.py).wasm"
  if [[ ! -f "$file" ]]; then
    say "building the Python guest ($world) with componentize-py (about a minute)"
    local wit
    wit="$(wit_dir "$name")"
    quiet componentize-py -d "$wit" -w "$world" componentize app -p guest-langs/python -o "$file.tmp"
    mv "$file.tmp" "$file"
    prune "$name" "$file"
  fi
  echo "$file"
}

# ComponentizeJS imports wasi:http by default (for `fetch` and the
# fetch-event handler): `--disable http fetch-event` leaves both out, so the
# component needs only the WASI that `dlwit run` provides.
build_js() {
  setup_js
  local bin="$out/npm/node_modules/.bin/componentize-js" file
  file="$out/js-$(key "componentize-js $("$bin" --version)" guest-langs/js/app.js guest-langs/js/package-lock.json).wasm"
  if [[ ! -f "$file" ]]; then
    say "building the JavaScript guest with ComponentizeJS (1-2 minutes)"
    wit_dir js >/dev/null
    # The splicer runs as wasm with only the working directory preopened:
    # the WIT is named relative to it.
    (cd "$out" && quiet "$bin" "$root/guest-langs/js/app.js" --wit wit-js --world-name guest \
      --disable http fetch-event -o "$file.tmp")
    mv "$file.tmp" "$file"
    prune js "$file"
  fi
  echo "$file"
}

# The C guest, with strings in `$1` (utf8 or utf16): wit-bindgen's C
# bindings, compiled by clang for wasm32-wasi (wasi-libc), linked into a
# component by wasm-component-ld (wasm-ld, then the component made from the
# core module, with the WASI preview1 command adapter and the string
# encoding the bindings' component-type section records).
build_c() {
  local encoding="$1"
  setup_c
  local file
  file="$out/c-$encoding-$(key "$(wit-bindgen --version) $(clang-14 --version | head -1) $("$(component_ld)" --version)" \
    guest-langs/c/*.c).wasm"
  if [[ ! -f "$file" ]]; then
    say "building the C guest ($encoding)"
    local wit work
    wit="$(wit_dir "c-$encoding")"
    work="$out/c-$encoding"
    rm -rf "$work"
    mkdir -p "$work"
    quiet wit-bindgen c "$wit" --world guest --string-encoding "$encoding" --out-dir "$work"
    local cflags=(--target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wno-unused-parameter -I "$work")
    quiet clang-14 "${cflags[@]}" -DGUEST_UTF16="$([[ $encoding == utf16 ]] && echo 1 || echo 0)" \
      -c guest-langs/c/app.c -o "$work/app.o"
    quiet clang-14 "${cflags[@]}" -Wno-error -c "$work/guest.c" -o "$work/guest.o"
    quiet clang-14 --target=wasm32-wasi -O2 -mexec-model=reactor -fuse-ld="$(component_ld)" \
      -Wl,--wasm-ld-path,/usr/lib/llvm-14/bin/wasm-ld \
      "$work/app.o" "$work/guest.o" "$work/guest_component_type.o" -o "$file.tmp"
    mv "$file.tmp" "$file"
    prune "c-$encoding" "$file"
  fi
  echo "$file"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  setup)
    (($#)) || set -- python js c
    for lang in "$@"; do
      case "$lang" in
        python) setup_python ;;
        js) setup_js ;;
        c) setup_c ;;
        *) say "unknown language $lang"; exit 2 ;;
      esac
    done
    ;;
  build)
    case "${1:-}" in
      python) build_python guest ;;
      python-sqlite) build_python sqlite-guest ;;
      js) build_js ;;
      c-utf8) build_c utf8 ;;
      c-utf16) build_c utf16 ;;
      *) say "build what? python, python-sqlite, js, c-utf8 or c-utf16"; exit 2 ;;
    esac
    ;;
  *)
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
