//! Replays `fuzz/regressions/driver_request/*` through the `driver_request` fuzz target's
//! check (the same source file, included with `#[path]`), on stable under `cargo test`.

#[path = "../../fuzz/src/driver_request.rs"]
mod driver_request;

use std::path::Path;

#[test]
fn driver_request_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/driver_request");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    let mut answered = 0;
    for file in &files {
        let data = std::fs::read(file).unwrap();
        answered += driver_request::check_driver_request(&data);
    }
    assert!(
        answered >= 7,
        "the seeds must exercise real requests, got {answered}"
    );
}
