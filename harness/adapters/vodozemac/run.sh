#!/usr/bin/env bash
# The SUT command: execs the adapter binary (building it first with setup.sh if it is not
# there yet). Use it as
#   ratchet-harness run --profile olm --sut harness/adapters/vodozemac/run.sh
# Re-run setup.sh after changing the sources or Cargo.lock.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$DIR/target/release/vodozemac-adapter"
if [[ ! -x "$BIN" ]]; then
    "$DIR/setup.sh"
fi
exec "$BIN" "$@"
