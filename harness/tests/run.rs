//! `ratchet-harness run` end to end, through a real subprocess: the honest reference passes
//! everything and the reports parse; misbehaving SUTs are diagnosed by name, the run goes on
//! where it can, and the exit status is non-zero.

use std::path::PathBuf;
use std::process::{Command, Output};

const HARNESS: &str = env!("CARGO_BIN_EXE_ratchet-harness");

fn vectors() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors").to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(HARNESS)
        .arg("run")
        .args(["--vectors", &vectors()])
        .args(args)
        .output()
        .expect("the harness runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ratchet-run-{}-{name}", std::process::id()))
}

#[test]
fn the_reference_passes_everything_and_both_reports_parse() {
    let json = temp("report.json");
    let junit = temp("junit.xml");
    let output = run(&[
        "--report-json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains(" passed, 0 failed, 0 skipped"), "{out}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["totals"]["failed"], 0);
    assert!(report["totals"]["passed"].as_u64().unwrap() >= 1000);
    assert_eq!(report["sut"]["name"], "ratchet-ref");
    // In both roles: 11 scenarios for spec, 10 for olm (its messages carry no PN).
    assert_eq!(report["scenarios"].as_array().unwrap().len(), 42);

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(
        cases as u64,
        report["totals"]["passed"].as_u64().unwrap(),
        "one testcase per vector and scenario"
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
    std::fs::remove_file(json).ok();
    std::fs::remove_file(junit).ok();
}

#[test]
fn a_sut_that_exits_at_once_is_diagnosed() {
    let output = run(&["--sut", "false"]);
    assert!(!output.status.success());
    let out = text(&output);
    assert!(out.contains("exited"), "{out}");
    assert!(out.contains("hello"), "{out}");
}

#[test]
fn a_sut_that_writes_garbage_is_diagnosed() {
    let output = run(&["--sut", "sh -c 'echo garbage'"]);
    assert!(!output.status.success());
    let out = text(&output);
    assert!(out.contains("not_json"), "{out}");
    assert!(out.contains("garbage"), "{out}");
}

#[test]
fn a_sut_that_hangs_is_diagnosed_at_the_timeout() {
    let output = run(&["--sut", "sleep 600", "--timeout", "1"]);
    assert!(!output.status.success());
    let out = text(&output);
    assert!(out.contains("timeout"), "{out}");
    assert!(out.contains("within 1.0 s"), "{out}");
}

fn chaos(mode: &str, diagnosis: &str) {
    let sut = format!("'{HARNESS}' sut --chaos {mode}");
    let json = temp(&format!("chaos-{diagnosis}.json"));
    let output = run(&[
        "--sut",
        &sut,
        "--only",
        "kdf_ck",
        "--timeout",
        "1",
        "--report-json",
        json.to_str().unwrap(),
    ]);
    let out = text(&output);
    assert!(!output.status.success(), "{out}");
    assert!(out.contains(diagnosis), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    std::fs::remove_file(json).ok();
    let kind = &report["kinds"][0];
    let passed = kind["passed"].as_u64().unwrap();
    let unjudged = kind["sut_failures"].as_u64().unwrap();
    assert!(unjudged >= 1, "{out}");
    assert!(
        passed >= 40,
        "tests before the misbehaviour still count: {out}"
    );
    assert_eq!(passed + unjudged, 200, "no test lost or invented: {out}");
    assert_eq!(
        kind["failed"], 0,
        "a SUT failure is not a vector failure: {out}"
    );
}

#[test]
fn a_sut_that_crashes_mid_run_is_restarted_and_the_run_goes_on() {
    chaos("exit@50", "exited");
}

#[test]
fn a_sut_that_hangs_mid_run_is_timed_out() {
    chaos("hang@50", "timeout");
}

#[test]
fn a_sut_that_answers_the_wrong_id_is_diagnosed() {
    chaos("wrong-id@50", "wrong_id");
}

#[test]
fn a_sut_that_writes_an_endless_line_is_diagnosed() {
    chaos("endless-line@50", "line_too_long");
}

#[test]
fn a_sut_that_writes_non_json_mid_run_is_diagnosed() {
    chaos("garbage@50", "not_json");
}

#[test]
fn a_stderr_flood_is_reported_and_does_not_block_the_run() {
    let sut = format!("'{HARNESS}' sut --chaos stderr-flood@2");
    let output = run(&["--sut", &sut, "--only", "kdf_ck", "--profile", "spec"]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("stderr_flood"), "{out}");
    assert!(out.contains("200 passed, 0 failed"), "{out}");
}

#[test]
fn unknown_kind_and_missing_vectors_are_clear_errors() {
    let output = run(&["--only", "nonsense"]);
    assert!(!output.status.success());
    assert!(text(&output).contains("unknown kind"));
    let output = Command::new(HARNESS)
        .args(["run", "--vectors", "/nonexistent-vectors-dir"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(text(&output).contains("run `ratchet-harness generate` or pass --vectors"));
}

#[test]
fn expected_deviations_keep_the_run_green_and_are_still_reported() {
    let file = temp("deviations.json");
    std::fs::write(
        &file,
        r#"{"deviations": [
            {"check": "kdf_ck/*", "reason": "this mutant swaps the KDF_CK constants", "specSection": "DR §5.2"},
            {"check": "kdf_rk/3", "reason": "listed but not failing", "specSection": "DR §5.2"}
        ]}"#,
    )
    .unwrap();
    let sut = format!("'{HARNESS}' sut --mutant kdf_ck_constants_swapped");
    let json = temp("deviations-report.json");
    let output = run(&[
        "--sut",
        &sut,
        "--only",
        "kdf_ck",
        "--expected-deviations",
        file.to_str().unwrap(),
        "--report-json",
        json.to_str().unwrap(),
    ]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("200 expected deviations"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["totals"]["expected_deviations"], 200);
    assert_eq!(
        report["deviations"][0]["occurred"]
            .as_array()
            .unwrap()
            .len(),
        200
    );

    // Without the file the same run fails.
    let output = run(&["--sut", &sut, "--only", "kdf_ck", "--profile", "spec"]);
    assert!(!output.status.success());

    // A listed deviation whose check passes is reported as no longer occurring.
    let output = run(&[
        "--only",
        "kdf_rk",
        "--expected-deviations",
        file.to_str().unwrap(),
    ]);
    let out = text(&output);
    assert!(
        out.contains("kdf_rk/3") && out.contains("NO LONGER OCCURS"),
        "{out}"
    );
    std::fs::remove_file(file).ok();
    std::fs::remove_file(json).ok();
}
