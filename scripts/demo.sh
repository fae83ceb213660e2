#!/usr/bin/env bash
# The demo: builds the dlwit CLI and the demo guests, then runs each guest
# against the real library its WIT names (libm, libc, zlib, sqlite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== building the dlwit CLI (the first build compiles wasmtime: several minutes)" >&2
cargo build -p dlwit --bin dlwit
echo "== building the guest components (wasm32-wasip2)" >&2
(cd guest && cargo build --release --target wasm32-wasip2 -p libm-demo -p libc-demo -p zlib-demo -p sqlite-demo)

for lib in libm libc zlib; do
  echo
  echo "== dlwit run --wit wit/$lib.wit guest/target/wasm32-wasip2/release/$lib-demo.wasm"
  target/debug/dlwit run --wit "wit/$lib.wit" "guest/target/wasm32-wasip2/release/$lib-demo.wasm"
done

# sqlite opens the database file itself, on the host: any host path works.
db="$(mktemp -d)/demo.db"
echo
echo "== dlwit run --wit wit/sqlite.wit guest/target/wasm32-wasip2/release/sqlite-demo.wasm $db"
target/debug/dlwit run --wit wit/sqlite.wit guest/target/wasm32-wasip2/release/sqlite-demo.wasm "$db"
rm -r "$(dirname "$db")"
