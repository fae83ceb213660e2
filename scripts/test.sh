#!/usr/bin/env bash
# The tests: formatting, lints, then every test of the workspace (the
# integration tests build the C fixture and the guest components
# themselves), then the suite on AArch64 Linux under QEMU (scripts/arm64.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== cargo fmt --check" >&2
cargo fmt --all --check
(cd guest && cargo fmt --all --check)
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets -- -D warnings
# An embedder's build (`default-features = false`): the core alone compiles
# and lints cleanly, and pulls in neither the CLI's nor WASI's nor the
# importer's crates.
echo "== cargo clippy -p dlwit --no-default-features" >&2
cargo clippy -p dlwit --no-default-features --all-targets -- -D warnings
extra=$(cargo tree -p dlwit --no-default-features -e normal --prefix none |
  grep -E '^(wasmtime-wasi|wasmtime-internal-cache|dlwit-import|clang|clap|regex|zstd|toml) ' || true)
if [ -n "$extra" ]; then
  echo "dlwit --no-default-features depends on what only the CLI should:" >&2
  echo "$extra" >&2
  exit 1
fi
echo "== cargo test" >&2
cargo test --workspace
# The suite again on AArch64 Linux, cross-built and run under qemu-aarch64.
scripts/arm64.sh
