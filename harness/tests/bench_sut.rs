//! `ratchet-harness bench` end to end, through a real subprocess: the reference is benched
//! and its table and tracker JSON have the documented shape; a SUT that lacks an op or
//! echoes wrong bytes is refused by name; bad options are refused before anything starts.
//! No test here asserts a time or a verdict that depends on the machine's speed or load.

use std::path::PathBuf;
use std::process::{Command, Output};

const HARNESS: &str = env!("CARGO_BIN_EXE_ratchet-harness");

/// Exit statuses (see `ratchet-harness bench --help`).
const PASSED: i32 = 0;
const SUT_FAILED: i32 = 1;
const COULD_NOT_RUN: i32 = 2;
const TOO_NOISY: i32 = 4;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ratchet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn bench(args: &[&str]) -> Output {
    Command::new(HARNESS)
        .arg("bench")
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

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// A shell SUT that answers `hello` (request 1) with `hello`, then request 2 with `second`
/// if given, then reads until stdin closes.
fn sh_sut(hello: &serde_json::Value, second: Option<&str>) -> String {
    let answer = serde_json::json!({"id": 1, "ok": hello}).to_string();
    let mut script = format!("read line; printf '%s\\n' '{answer}'");
    if let Some(second) = second {
        script.push_str(&format!("; read line; printf '%s\\n' '{second}'"));
    }
    script.push_str("; cat >/dev/null");
    // The harness runs the command with `sh -c`.
    script
}

fn hello(ops: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "name": "fake", "version": "1", "protocolVersion": 1, "profiles": ["spec"],
        "ops": ops, "limits": {"maxSkip": 1000, "maxStoredKeys": 2000}, "injectKeys": true
    })
}

#[test]
fn the_reference_is_benched_and_the_json_has_the_tracker_shape_when_trusted() {
    let json = temp("reference.json");
    std::fs::write(&json, "stale numbers of an older run").unwrap();
    let out = bench(&[
        "--rounds",
        "5",
        "--requests",
        "200",
        "--sizes",
        "100,1k",
        "--max-spread",
        "100000",
        "--json",
        json.to_str().unwrap(),
    ]);
    let all = text(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The table: both profiles the reference declares, a row per size and op.
    for profile in ["spec", "olm"] {
        assert!(
            stdout.contains(&format!(
                "ratchet-ref {}, profile {profile}: 5 rounds per size",
                env!("CARGO_PKG_VERSION")
            )),
            "{all}"
        );
    }
    for row in [
        "| 100B | session_encrypt | 200 | ",
        "| 100B | session_decrypt | 200 | ",
        "| 1KiB | session_encrypt | 200 | ",
        "| 1KiB | session_decrypt | 200 | ",
    ] {
        assert_eq!(stdout.matches(row).count(), 2, "{row}: {all}");
    }
    // With so few rounds and requests the hot path may honestly be judged within the noise:
    // the verdict is the machine's, the structure of each outcome is the harness's.
    match code(&out) {
        PASSED => {
            assert!(stdout.contains("Verdict: steady"), "{all}");
            let entries: Vec<serde_json::Value> =
                serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
            let names: Vec<&str> = entries
                .iter()
                .map(|e| e["name"].as_str().unwrap())
                .collect();
            let mut expected = Vec::new();
            for profile in ["spec", "olm"] {
                for size in ["100B", "1KiB"] {
                    for op in ["session_encrypt", "session_decrypt", "echo"] {
                        expected.push(format!("sut/ratchet-ref/{profile}/{op}/{size}"));
                    }
                }
            }
            assert_eq!(names, expected, "{all}");
            for entry in &entries {
                let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["extra", "name", "unit", "value"], "{entry}");
                assert_eq!(entry["unit"], "ns");
                assert!(entry["value"].as_f64().unwrap() > 0.0, "{entry}");
            }
        }
        TOO_NOISY => {
            assert!(stdout.starts_with("NOT TRUSTWORTHY"), "{all}");
            assert!(stdout.contains("the hot path estimate"), "{all}");
            assert!(all.contains("no --json file was written"), "{all}");
            assert!(!json.exists(), "a refused bench left {}", json.display());
        }
        other => panic!("exit status {other}: {all}"),
    }
}

#[test]
fn a_sut_without_echo_is_refused_with_what_to_add_and_leaves_no_json() {
    let json = temp("missing-echo.json");
    std::fs::write(&json, "stale").unwrap();
    let sut = sh_sut(
        &hello(&["session_create", "session_encrypt", "session_decrypt"]),
        None,
    );
    let out = bench(&["--sut", &sut, "--json", json.to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(all.contains("does not declare op \"echo\""), "{all}");
    assert!(all.contains("Add the op echo"), "{all}");
    assert!(!json.exists(), "the stale file was kept");
}

#[test]
fn a_sut_without_session_ops_is_told_which() {
    let sut = sh_sut(&hello(&["echo", "session_create"]), None);
    let out = bench(&["--sut", &sut]);
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(
        all.contains("ops \"session_encrypt\", \"session_decrypt\""),
        "{all}"
    );
}

#[test]
fn a_wrong_echo_is_a_named_sut_failure() {
    let ops = [
        "session_create",
        "session_encrypt",
        "session_decrypt",
        "echo",
    ];
    let sut = sh_sut(&hello(&ops), Some(r#"{"id":2,"ok":{"data":"00"}}"#));
    let out = bench(&["--sut", &sut]);
    let all = text(&out);
    assert_eq!(code(&out), SUT_FAILED, "{all}");
    assert!(
        all.contains("echo (probe of every byte value) answered other data"),
        "{all}"
    );
}

#[test]
fn an_echo_answer_that_is_no_answer_is_diagnosed() {
    let ops = [
        "session_create",
        "session_encrypt",
        "session_decrypt",
        "echo",
    ];
    let sut = sh_sut(&hello(&ops), Some(r#"{"id":2,"ok":{"data":7}}"#));
    let out = bench(&["--sut", &sut]);
    let all = text(&out);
    assert_eq!(code(&out), SUT_FAILED, "{all}");
    assert!(all.contains("\"data\" must be a hex string"), "{all}");
}

#[test]
fn a_profile_the_sut_does_not_declare_is_refused() {
    let ops = [
        "session_create",
        "session_encrypt",
        "session_decrypt",
        "echo",
    ];
    let sut = sh_sut(&hello(&ops), None);
    let out = bench(&["--sut", &sut, "--profile", "olm"]);
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(all.contains("not \"olm\""), "{all}");
}

#[test]
fn nonsense_options_are_refused_before_anything_starts() {
    for (option, value, says) in [
        ("--sizes", "0", "--sizes: "),
        ("--sizes", "100,2kB", "unknown unit"),
        ("--sizes", "1M", "256KiB"),
        ("--rounds", "1", "--rounds must be"),
        ("--requests", "0", "--requests must be"),
        ("--max-spread", "0", "--max-spread must be"),
        ("--max-spread", "NaN", "--max-spread must be"),
        ("--window", "0", "--window must be"),
        ("--timeout", "0", "--timeout must be"),
    ] {
        let out = bench(&["--sut", "false", &format!("{option}={value}")]);
        let all = text(&out);
        assert_eq!(code(&out), COULD_NOT_RUN, "{option} {value}: {all}");
        assert!(all.contains(says), "{option} {value}: {all}");
    }
}

#[test]
fn the_help_explains_the_subtraction_and_every_exit_status() {
    let out = bench(&["--help"]);
    let help = text(&out);
    for part in [
        "echo",
        "subtract",
        "median over rounds of (op - echo of the same round)",
        "customSmallerIsBetter",
        "  0  ",
        "  1  ",
        "  2  ",
        "  3  ",
        "  4  too noisy",
    ] {
        assert!(help.contains(part), "{part:?} missing from: {help}");
    }
}
