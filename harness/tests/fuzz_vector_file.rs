//! Replays `fuzz/regressions/vector_file/*` through the `vector_file` fuzz target's check
//! (the same source file, included with `#[path]`), on stable under `cargo test`.

mod support;

#[path = "../../fuzz/src/vector_file.rs"]
mod vector_file;

#[test]
fn vector_file_regressions_replay() {
    let mut valid = 0;
    for data in support::regression_inputs("vector_file") {
        if vector_file::check_vector_file(&data).is_some() {
            valid += 1;
        }
    }
    assert!(
        valid >= 16,
        "one valid seed per kind and profile, got {valid}"
    );
}
