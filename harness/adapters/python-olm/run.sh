#!/usr/bin/env bash
# The conformance run of the `olm` profile against libolm 3.2.16 (python-olm 3.2.16) through
# adapter.py, with the documented library deviations. Extra arguments go to
# `ratchet-harness run` (e.g. --only session, --report-json F). The harness binary:
# $RATCHET_HARNESS, else target/release/ratchet-harness, else `cargo run --release -p
# ratchet-harness`.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DIR/../../.." && pwd)"
"$DIR/setup.sh"
if [[ -n "${RATCHET_HARNESS:-}" ]]; then
    HARNESS=("$RATCHET_HARNESS")
elif [[ -x "$ROOT/target/release/ratchet-harness" ]]; then
    HARNESS=("$ROOT/target/release/ratchet-harness")
else
    HARNESS=(cargo run --quiet --release --manifest-path "$ROOT/Cargo.toml" -p ratchet-harness --)
fi
exec "${HARNESS[@]}" run --profile olm \
    --sut "'$DIR/.venv/bin/python' '$DIR/adapter.py'" \
    --expected-deviations "$DIR/expected-deviations.json" \
    "$@"
