//! Helpers shared by the harness's integration tests.

use std::path::Path;

/// Every input saved in `fuzz/regressions/<target>/`, in file-name order; panics when the
/// directory is missing or empty, so a replay cannot pass on nothing.
pub fn regression_inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    files
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display())))
        .collect()
}
