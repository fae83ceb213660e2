#!/usr/bin/env bash
# The tests: formatting, lints, then every test of the workspace (the
# integration tests build the C fixture and the guest components themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== cargo fmt --check" >&2
cargo fmt --all --check
(cd guest && cargo fmt --all --check)
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test" >&2
cargo test --workspace
