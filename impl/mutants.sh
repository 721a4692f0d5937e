#!/usr/bin/env bash
# Mutation testing of ratchet-ref with cargo-mutants (impl/README.md, "Mutation testing of the
# reference itself"), in two steps:
#
#   1. every mutant of impl/src against ratchet-ref's own tests (fast: only this crate builds);
#   2. the survivors of step 1 again, against ratchet-ref's own tests plus the vector replay
#      (harness/tests/vectors.rs: generation byte-identical to the committed files, and every
#      vector replayed) and the allocation test of the benches (benches/tests/allocations.rs).
#
# Then every mutant still missed must be explained in impl/README.md: the script lists those
# that are not, and exits 1 if there is any.
#
#   impl/mutants.sh [--output DIR] [--jobs N] [--step2-only]
#
# Needs cargo-mutants 27.1.0 (cargo install cargo-mutants --locked --version 27.1.0). Takes
# about 40 minutes for step 1 and, after a first build of 5 minutes, about 30 s per survivor
# for step 2 on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

output=target/mutants
jobs=2
step1=1
while [ $# -gt 0 ]; do
    case "$1" in
        --output) output="$2"; shift ;;
        --jobs) jobs="$2"; shift ;;
        --step2-only) step1=0 ;;
        *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
    esac
    shift
done

if ! cargo mutants --version > /dev/null 2>&1; then
    echo "cargo-mutants is not installed: cargo install cargo-mutants --locked --version 27.1.0" >&2
    exit 2
fi

# The profile `mutants` (workspace Cargo.toml) builds tests without debug info.
common=(--profile mutants --output "$output" -j "$jobs")

if [ "$step1" = 1 ]; then
    echo "== step 1: every mutant of impl/src against ratchet-ref's own tests"
    # Exit status 2 means some mutants were missed, 3 that some timed out: both expected here.
    status=0
    cargo mutants -p ratchet-ref "${common[@]}" || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -ne 2 ] && [ "$status" -ne 3 ]; then
        echo "cargo mutants failed (exit $status): see $output/mutants.out/debug.log" >&2
        exit "$status"
    fi
    # Step 2 rewrites mutants.out: keep what step 1 found hanging.
    cp "$output/mutants.out/timeout.txt" "$output/step1-timeouts.txt"
fi

echo "== step 2: the survivors against ratchet-ref's tests, the vector replay and the allocation test"
tests=()
for file in impl/tests/*.rs; do
    tests+=(--test "$(basename "$file" .rs)")
done
tests+=(--test vectors --test allocations)
# A mutant that makes a loop never end was detected by step 1 as a timeout: not run again
# (--iterate skips only the caught and the unviable ones).
excludes=()
if [ -f "$output/step1-timeouts.txt" ]; then
    while IFS= read -r mutant; do
        excludes+=(--exclude-re "^$(printf '%s' "$mutant" | sed -E 's/[][\\.^$*+?(){}|]/\\&/g')\$")
    done < "$output/step1-timeouts.txt"
fi
status=0
cargo mutants --file 'impl/src/**' --test-workspace=true --baseline=skip --timeout 300 \
    --iterate "${excludes[@]}" "${common[@]}" -- "${tests[@]}" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ] && [ "$status" -ne 3 ]; then
    echo "cargo mutants failed (exit $status): see $output/mutants.out/debug.log" >&2
    exit "$status"
fi

echo "== survivors not explained in impl/README.md"
unexplained=0
while IFS= read -r mutant; do
    # The README lists each survivor's line exactly as cargo-mutants writes it.
    if ! grep -qF -- "$mutant" impl/README.md; then
        echo "  $mutant"
        unexplained=$((unexplained + 1))
    fi
done < "$output/mutants.out/missed.txt"
if [ "$unexplained" -gt 0 ]; then
    echo "$unexplained surviving mutants are not explained in impl/README.md: fix them with a test, or explain them there" >&2
    exit 1
fi
echo "every surviving mutant is explained in impl/README.md"
