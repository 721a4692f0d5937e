//! Replays `fuzz/regressions/sut_output/*` through the `sut_output` fuzz target's check (the
//! same source file, included with `#[path]`), on stable under `cargo test`.

#[path = "../../fuzz/src/sut_output.rs"]
mod sut_output;

use std::path::Path;

#[test]
fn sut_output_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/sut_output");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    let mut lines = 0;
    for file in &files {
        let data = std::fs::read(file).unwrap();
        lines += sut_output::check_sut_output(&data);
    }
    assert!(
        lines >= 10,
        "the seeds must hold real output, got {lines} lines"
    );
}

#[test]
fn a_megabyte_error_message_in_multi_byte_characters_stays_bounded() {
    let mut output = String::from(
        r#"{"id":1,"ok":{"name":"x","protocolVersion":1,"profiles":["spec"],"ops":["kdf_ck","decrypt"]}}"#,
    );
    output.push('\n');
    let message = format!("x{}", "é€".repeat(150_000));
    for id in 2..8 {
        output.push_str(&format!(
            "{{\"id\":{id},\"error\":{{\"kind\":\"auth_failed\",\"message\":\"{message}\"}}}}\n"
        ));
    }
    assert_eq!(sut_output::check_sut_output(output.as_bytes()), 7);
}
