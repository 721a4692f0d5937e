#!/usr/bin/env bash
# The conformance run of the `signal-v3` profile against libsignal 6.0.0 (npm libsignal,
# WhiskeySockets/libsignal-node) through adapter.js, with the documented library deviations.
# Extra arguments go to `ratchet-harness run` (e.g. --only signal_session, --report-json F). The
# harness binary: $RATCHET_HARNESS, else target/release/ratchet-harness, else `cargo run
# --release -p ratchet-harness`. NODE overrides the node binary.
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
exec "${HARNESS[@]}" run --profile signal-v3 \
    --sut "'${NODE:-node}' '$DIR/adapter.js'" \
    --expected-deviations "$DIR/expected-deviations.json" \
    "$@"
