#!/usr/bin/env bash
# Builds the adapter binary (target/release/vodozemac-adapter beside this script) from the
# pinned Cargo.lock: vodozemac 0.11.1 and its dependencies come from the crates registry.
# Idempotent: cargo rebuilds nothing when nothing changed. Everything it prints goes to
# stderr, so run.sh can call it while its stdout is the protocol channel.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
echo "vodozemac-adapter: cargo build --release --locked in $DIR" >&2
cargo build --release --locked --manifest-path "$DIR/Cargo.toml" --target-dir "$DIR/target" 1>&2
echo "vodozemac-adapter: $DIR/target/release/vodozemac-adapter ready" >&2
