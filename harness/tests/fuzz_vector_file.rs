//! Replays `fuzz/regressions/vector_file/*` through the `vector_file` fuzz target's check
//! (the same source file, included with `#[path]`), on stable under `cargo test`.

#[path = "../../fuzz/src/vector_file.rs"]
mod vector_file;

use std::path::Path;

#[test]
fn vector_file_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/vector_file");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    let mut valid = 0;
    for file in &files {
        let data = std::fs::read(file).unwrap();
        if vector_file::check_vector_file(&data).is_some() {
            valid += 1;
        }
    }
    assert!(
        valid >= 16,
        "one valid seed per kind and profile, got {valid}"
    );
}
