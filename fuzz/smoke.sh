#!/usr/bin/env bash
# Fuzz smoke: builds every cargo-fuzz target and runs each one briefly from the generated
# seed corpus plus the committed regression inputs. Exits non-zero if any target crashes
# (the crash input is left in fuzz/artifacts/<target>/; see fuzz/README.md for what to do).
#
#   fuzz/smoke.sh                      # 30 s per target
#   FUZZ_SMOKE_SECONDS=10 fuzz/smoke.sh
#   FUZZ_SMOKE_TARGETS="decrypt header_decode" fuzz/smoke.sh
#
# Uses `cargo +nightly fuzz` when a nightly toolchain is installed, else stable with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz needs nightly-only sanitizer flags). Installs cargo-fuzz
# if it is missing.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SMOKE_SECONDS:-30}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz smoke: FUZZ_SMOKE_SECONDS must be a positive whole number of seconds, got '$seconds'" >&2
    exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== fuzz smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo=(cargo +nightly)
    echo "== fuzz smoke: using the nightly toolchain"
else
    cargo=(cargo)
    export RUSTC_BOOTSTRAP=1
    echo "== fuzz smoke: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1"
fi

echo "== fuzz smoke: building every target"
"${cargo[@]}" fuzz build

echo "== fuzz smoke: generating the seed corpus"
"${cargo[@]}" run --quiet --bin seed_corpus

if [[ -n "${FUZZ_SMOKE_TARGETS:-}" ]]; then
    read -r -a targets <<<"$FUZZ_SMOKE_TARGETS"
else
    mapfile -t targets < <("${cargo[@]}" fuzz list)
fi

# Byte-level targets get the dictionary; structured ones decode their own plans.
dict_for() {
    case "$1" in
        header_decode | message_parse | decrypt | aead_decrypt | x3dh_bundle)
            echo "-dict=dict/ratchet.dict"
            ;;
    esac
}

failed=()
for target in "${targets[@]}"; do
    echo "== fuzz smoke: $target for ${seconds}s"
    mkdir -p "corpus/$target" "regressions/$target"
    args=(-max_total_time="$seconds" -timeout=25 -print_final_stats=1)
    dict="$(dict_for "$target")"
    if [[ -n "$dict" ]]; then
        args+=("$dict")
    fi
    if ! "${cargo[@]}" fuzz run "$target" "corpus/$target" "regressions/$target" -- "${args[@]}"; then
        failed+=("$target")
    fi
done

if ((${#failed[@]} > 0)); then
    echo "== fuzz smoke: FAILED: ${failed[*]}" >&2
    echo "   The crashing inputs are in fuzz/artifacts/<target>/. Reproduce with" >&2
    echo "   'cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>', minimise with" >&2
    echo "   'cargo fuzz tmin', and add the minimised file to fuzz/regressions/<target>/ with the fix." >&2
    exit 1
fi
echo "== fuzz smoke: all ${#targets[@]} targets ran ${seconds}s without a crash"
