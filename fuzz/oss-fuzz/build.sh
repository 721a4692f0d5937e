#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for the ratchet-conformance cargo-fuzz targets.
#
# Runs inside the base-builder-rust image with the repository checked out at
# $SRC/ratchet-conformance (see Dockerfile next to this file). Puts one libFuzzer binary per
# target in $OUT, with <target>_seed_corpus.zip (the generated seeds plus the committed
# regression inputs) and, for the byte-level targets, <target>.dict.

cd "$SRC/ratchet-conformance"

# -O optimises; --debug-assertions keeps overflow checks and debug_assert!s on, as in a
# local `cargo fuzz run` (an arithmetic overflow in the reference must be a crash).
cargo fuzz build -O --debug-assertions

bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release

# The seed generator is a normal program: build it without the fuzzing flags the
# builder image exports, in its own target directory.
seeds="$WORK/seeds"
rm -rf "$seeds"
env -u RUSTFLAGS -u RUSTDOCFLAGS -u CFLAGS -u CXXFLAGS -u LDFLAGS cargo run --release \
    --manifest-path fuzz/Cargo.toml --target-dir "$WORK/seed-target" \
    --bin seed_corpus -- "$seeds"

for target in $(cargo fuzz list); do
    cp "$bin_dir/$target" "$OUT/"
    corpus="$WORK/corpus-$target"
    rm -rf "$corpus"
    mkdir -p "$corpus"
    if [ -d "$seeds/$target" ]; then
        cp "$seeds/$target"/* "$corpus/"
    fi
    if [ -d "fuzz/regressions/$target" ]; then
        for file in "fuzz/regressions/$target"/*; do
            cp "$file" "$corpus/regression-$(basename "$file")"
        done
    fi
    (cd "$corpus" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    case "$target" in
        header_decode | message_parse | decrypt | aead_decrypt | x3dh_bundle)
            cp fuzz/dict/ratchet.dict "$OUT/$target.dict"
            ;;
    esac
done
