//! Replays `fuzz/regressions/sut_output/*` through the `sut_output` fuzz target's check (the
//! same source file, included with `#[path]`), on stable under `cargo test`.

mod support;

#[path = "../../fuzz/src/sut_output.rs"]
mod sut_output;

#[test]
fn sut_output_regressions_replay() {
    let mut lines = 0;
    for data in support::regression_inputs("sut_output") {
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
