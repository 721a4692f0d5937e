#!/usr/bin/env bash
# The conformance run of the `signal-v3` profile against python-axolotl 0.2.3 through
# adapter.py, with the documented library deviations. Extra arguments go to
# `ratchet-harness run` (e.g. --only signal_session, --report-json F). The harness binary:
# $RATCHET_HARNESS, else target/release/ratchet-harness, else `cargo run --release -p
# ratchet-harness`. AXOLOTL_ADAPTER_PREKEYID_FIX=0 runs without the adapter's workaround for
# the absent-preKeyId bug (README "Findings").
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
    --sut "'$DIR/.venv/bin/python' '$DIR/adapter.py'" \
    --expected-deviations "$DIR/expected-deviations.json" \
    "$@"
