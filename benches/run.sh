#!/usr/bin/env bash
# Runs the ratchet hot-path benches and summarizes them (see benches/README.md).
#
#   benches/run.sh [--quick] [--filter REGEX] [bench-report options...]
#
#   --quick         short measurements for CI (about 2 minutes of benches instead of 11)
#   --filter REGEX  only benches whose id matches (criterion's filter)
#   anything else   passed to bench-report: --threshold PCT, --fail-on-regression,
#                   --compare all|times|ratios, --baseline FILE, --output FILE,
#                   --markdown FILE, --update-baseline (see: cargo run -p ratchet-benches
#                   --bin bench-report -- --help)
#
# Respects CARGO_TARGET_DIR (criterion writes to $CARGO_TARGET_DIR/criterion).
set -euo pipefail

quick=0
filter=()
report=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --filter) filter=("$2"); shift ;;
        --filter=*) filter=("${1#--filter=}") ;;
        *) report+=("$1") ;;
    esac
    shift
done

# Criterion runs inside benches/, so a relative target dir must be made absolute first.
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    case "$CARGO_TARGET_DIR" in
        /*) ;;
        *) CARGO_TARGET_DIR="$PWD/$CARGO_TARGET_DIR" ;;
    esac
    export CARGO_TARGET_DIR
fi
cd "$(dirname "$0")/.."

criterion=(--noplot)
if [ "$quick" = 1 ]; then
    criterion+=(--warm-up-time 0.5 --measurement-time 1 --sample-size 10)
fi

# Build first, so that the run's start time excludes compilation.
cargo build --release --quiet -p ratchet-benches --bin bench-report
cargo bench --quiet -p ratchet-benches --bench hot_path --no-run
start=$(date +%s)
cargo bench --quiet -p ratchet-benches --bench hot_path -- "${criterion[@]}" "${filter[@]}"
cargo run --release --quiet -p ratchet-benches --bin bench-report -- --since "$start" "${report[@]}"
