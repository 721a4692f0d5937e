//! The harness against hostile SUTs and command-line mistakes (issue 17): it never panics,
//! never loses a report, stays bounded, stops cleanly on signals and never passes a run in
//! which nothing was tested. Misbehaving SUTs are `ratchet-harness sut --chaos MODE@N` and
//! small `sh` / `python3` programs.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const HARNESS: &str = env!("CARGO_BIN_EXE_ratchet-harness");

/// Exit statuses (see `ratchet-harness run --help`).
const TESTS_FAILED: i32 = 1;
const COULD_NOT_RUN: i32 = 2;
const INTERRUPTED: i32 = 3;

fn vectors() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors").to_string()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ratchet-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(HARNESS);
    command
        .arg("run")
        .args(["--vectors", &vectors()])
        .args(args);
    command
}

/// Waits for a child, killing it and failing after `limit` (a liveness bound with a wide
/// margin, not a speed requirement).
fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the harness did not finish within {limit:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_bounded(args: &[&str], limit: Duration) -> Output {
    let child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child, limit)
}

fn run(args: &[&str]) -> Output {
    run_bounded(args, Duration::from_secs(300))
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

fn chaos_sut(mode: &str) -> String {
    format!("'{HARNESS}' sut --chaos {mode}")
}

fn json(path: &PathBuf) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no report at {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A python SUT: answers `hello` with the JSON in $HOSTILE_HELLO, and `kdf_ck` with
/// $HOSTILE_KDF_CK as its `ok` body (or the reference's shape when unset).
const PY_SUT: &str = r#"
import json, os, sys
hello = json.loads(os.environ["HOSTILE_HELLO"])
body = json.loads(os.environ.get("HOSTILE_KDF_CK", "{}"))
for line in sys.stdin:
    request = json.loads(line)
    answer = hello if request["op"] == "hello" else body
    print(json.dumps({"id": request["id"], "ok": answer}), flush=True)
"#;

fn py_sut() -> String {
    let path = temp("hostile_sut.py");
    std::fs::write(&path, PY_SUT).unwrap();
    format!("python3 '{}'", path.display())
}

fn hello_with(extra: serde_json::Value) -> String {
    let mut hello = serde_json::json!({
        "name": "hostile", "version": "1", "protocolVersion": 1,
        "profiles": ["spec"], "ops": ["kdf_ck"], "limits": {"maxSkip": 1000}
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            hello.as_object_mut().unwrap().remove(k);
        } else {
            hello[k] = v.clone();
        }
    }
    hello.to_string()
}

fn run_py(hello: &str, kdf_ck: Option<&str>, args: &[&str]) -> Output {
    let sut = py_sut();
    let mut command = command(&[&["--sut", &sut][..], args].concat());
    command.env("HOSTILE_HELLO", hello);
    if let Some(body) = kdf_ck {
        command.env("HOSTILE_KDF_CK", body);
    }
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child, Duration::from_secs(300))
}

// 1. No panic on SUT output.

#[test]
fn a_long_non_ascii_log_line_before_hello_is_reported_not_a_panic() {
    let report = temp("log-line-hello.json");
    let out = run(&[
        "--sut",
        &chaos_sut("log-line@1"),
        "--report-json",
        report.to_str().unwrap(),
    ]);
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(all.contains("not_json") && all.contains("log: éé"), "{all}");
    assert_eq!(json(&report)["fatal"]["diagnosis"], "not_json");
}

#[test]
fn a_long_non_ascii_log_line_mid_run_is_reported_not_a_panic() {
    let report = temp("log-line-mid.json");
    let out = run(&[
        "--sut",
        &chaos_sut("log-line@50"),
        "--only",
        "kdf_ck",
        "--report-json",
        report.to_str().unwrap(),
    ]);
    let all = text(&out);
    assert_eq!(code(&out), TESTS_FAILED, "{all}");
    let report = json(&report);
    assert!(report["incidents"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("log: é"));
}

#[test]
fn multi_byte_field_values_are_shortened_on_character_boundaries() {
    let value = format!("x{}", "é".repeat(300));
    let body = serde_json::json!({"ck": value, "mk": value}).to_string();
    let report = temp("multibyte.json");
    let out = run_py(
        &hello_with(serde_json::json!({})),
        Some(&body),
        &[
            "--only",
            "kdf_ck",
            "--report-json",
            report.to_str().unwrap(),
        ],
    );
    let all = text(&out);
    assert_eq!(code(&out), TESTS_FAILED, "{all}");
    assert!(all.contains("200 failed"), "{all}");
    let report = json(&report);
    let got = report["kinds"][0]["failures"][0]["got"].as_str().unwrap();
    assert!(
        got.starts_with("xéé") && got.contains("(301 chars)"),
        "{got}"
    );
}

// 2. Bounded memory and reports.

#[test]
fn maximal_error_messages_are_cut_in_every_report() {
    let report = temp("huge-error.json");
    let junit = temp("huge-error.xml");
    let out = run(&[
        "--sut",
        &chaos_sut("huge-error@2"),
        "--profile",
        "spec",
        "--only",
        "kdf_ck",
        "--report-json",
        report.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let all = text(&out);
    assert_eq!(code(&out), TESTS_FAILED, "{all}");
    assert!(all.contains("200 failed"), "{all}");
    // 200 tests, each with a 900 KB error message: the reports stay a few KB per test.
    let json_len = std::fs::metadata(&report).unwrap().len();
    let junit_len = std::fs::metadata(&junit).unwrap().len();
    assert!(json_len < 2_000_000, "JSON report of {json_len} bytes");
    assert!(junit_len < 2_000_000, "JUnit report of {junit_len} bytes");
    assert!(all.len() < 200_000, "printed {} bytes", all.len());
    let report = json(&report);
    // Each difference is stored once, in `failures`; the test record names it by tc_id.
    let failures = report["kinds"][0]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 200);
    for failure in failures {
        let got = failure["got"].as_str().unwrap();
        assert!(got.len() <= 1024 + 40, "{}", got.len());
        assert!(got.contains("… ("), "the cut is marked: {got}");
    }
}

// 3. Signals and shutdown.

fn pid_alive(pid: i32) -> bool {
    // A zombie is not running; /proc/<pid>/stat's state is Z then.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn read_pid(path: &PathBuf) -> i32 {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no pid file");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_stop_signal_stops_the_sut_group_and_writes_partial_reports() {
    for (signal, name) in [
        (libc::SIGINT, "SIGINT"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGHUP, "SIGHUP"),
    ] {
        let report = temp(&format!("signal-{name}.json"));
        let junit = temp(&format!("signal-{name}.xml"));
        let pid_file = temp(&format!("signal-{name}.pid"));
        let _ = std::fs::remove_file(&pid_file);
        // The SUT answers 50 requests, then hangs; it records its pid.
        let sut = format!(
            "echo $$ > '{}'; exec '{HARNESS}' sut --chaos hang@50",
            pid_file.display()
        );
        let child = command(&[
            "--sut",
            &sut,
            "--only",
            "kdf_ck",
            "--timeout",
            "600",
            "--report-json",
            report.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let harness_pid = child.id() as i32;
        let sut_pid = read_pid(&pid_file);
        // Let it reach the hang (if it has not yet, it is interrupted earlier: also fine).
        std::thread::sleep(Duration::from_secs(2));
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(harness_pid, signal);
        }
        let out = wait_bounded(child, Duration::from_secs(60));
        let all = text(&out);
        assert_eq!(code(&out), INTERRUPTED, "{name}: {all}");
        assert!(all.contains(&format!("interrupted by {name}")), "{all}");
        assert!(
            !pid_alive(sut_pid),
            "{name}: the SUT {sut_pid} is still running"
        );
        let report = json(&report);
        assert_eq!(report["interrupted"], format!("interrupted by {name}"));
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert!(xml.contains("interrupted"), "{xml}");
    }
}

#[test]
fn at_the_end_the_sut_stdin_is_closed_and_it_may_exit_by_itself() {
    let marker = temp("clean-exit.marker");
    let _ = std::fs::remove_file(&marker);
    let report = temp("clean-exit.json");
    // The shell writes the marker only after the SUT saw end of input and exited.
    let sut = format!("'{HARNESS}' sut; echo exited > '{}'", marker.display());
    let out = run(&[
        "--sut",
        &sut,
        "--only",
        "kdf_ck",
        "--report-json",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(marker.exists(), "the SUT was killed before it could exit");
    assert!(!text(&out).contains("did_not_exit"));
}

#[test]
fn a_sut_that_ignores_the_end_of_stdin_is_reported_and_killed() {
    let report = temp("no-exit.json");
    let sut = format!("'{HARNESS}' sut; sleep 600");
    let out = run(&[
        "--sut",
        &sut,
        "--only",
        "kdf_ck",
        "--timeout",
        "1",
        "--report-json",
        report.to_str().unwrap(),
    ]);
    assert!(text(&out).contains("did_not_exit"), "{}", text(&out));
    let report = json(&report);
    assert!(report["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["diagnosis"] == "did_not_exit"));
}

/// Runs `sut` with a 600 s request timeout and asserts the run stops well before it, with
/// `diagnosis` printed.
fn assert_diagnosed_at_once(sut: &str, diagnosis: &str) {
    let out = run_bounded(
        &["--sut", sut, "--timeout", "600"],
        Duration::from_secs(100),
    );
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(all.contains(diagnosis), "{all}");
}

#[test]
fn a_sut_that_exits_leaving_its_stdout_open_is_diagnosed_at_once() {
    // The background sleep holds stdout open, so there is no end of file: only the exit
    // of the SUT itself tells.
    assert_diagnosed_at_once("sleep 300 & exit 0", "exited");
}

#[test]
fn a_sut_that_closes_its_stdin_is_diagnosed_at_once() {
    assert_diagnosed_at_once("exec 0<&-; sleep 300", "stdin_closed");
}

#[test]
fn a_descendant_that_leaves_the_process_group_is_stopped() {
    let pid_file = temp("escaped.pid");
    let _ = std::fs::remove_file(&pid_file);
    let report = temp("escaped.json");
    let sut = format!(
        "setsid sh -c 'echo $$ > \"{}\"; exec sleep 300' </dev/null >/dev/null 2>&1 & exec '{HARNESS}' sut",
        pid_file.display()
    );
    let out = run(&[
        "--sut",
        &sut,
        "--only",
        "kdf_ck",
        "--report-json",
        report.to_str().unwrap(),
    ]);
    let escaped = read_pid(&pid_file);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        !pid_alive(escaped),
        "the escaped descendant {escaped} still runs"
    );
    assert!(text(&out).contains("escaped_descendants"), "{}", text(&out));
}

// 4. No green run on nothing.

#[test]
fn a_run_that_tests_nothing_fails_unless_allowed() {
    let hello = hello_with(serde_json::json!({"ops": []}));
    let out = run_py(&hello, None, &["--only", "kdf_ck"]);
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(
        all.contains("nothing was tested: the SUT declared no ops"),
        "{all}"
    );
    assert!(all.contains("--allow-empty"), "{all}");
    let out = run_py(&hello, None, &["--only", "kdf_ck", "--allow-empty"]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    // Ops declared, but none that the kind needs: every test not applicable.
    let hello = hello_with(serde_json::json!({"ops": ["dh"]}));
    let out = run_py(&hello, None, &["--only", "kdf_ck"]);
    assert_eq!(code(&out), COULD_NOT_RUN, "{}", text(&out));
    assert!(text(&out).contains("every test was not applicable"));
}

// 6. Reports are written whatever happens.

#[test]
fn a_bad_report_path_is_refused_before_the_run() {
    let out = run(&["--report-json", "/nonexistent-dir/report.json"]);
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(
        all.contains("--report-json") && all.contains("cannot write"),
        "{all}"
    );
    assert!(
        !all.contains("replaying"),
        "it must not start the run: {all}"
    );
}

#[test]
fn reports_are_written_even_when_stdout_is_a_closed_pipe() {
    let report = temp("closed-pipe.json");
    let junit = temp("closed-pipe.xml");
    let _ = std::fs::remove_file(&report);
    let _ = std::fs::remove_file(&junit);
    let mut child = command(&[
        "--profile",
        "spec",
        "--only",
        "kdf_ck",
        "--report-json",
        report.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    drop(child.stdout.take());
    let out = wait_bounded(child, Duration::from_secs(300));
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(json(&report)["totals"]["passed"], 200);
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<testsuites"));
}

#[test]
fn a_report_that_cannot_be_written_does_not_skip_the_other() {
    let junit = temp("other-report.xml");
    let _ = std::fs::remove_file(&junit);
    // /dev/full opens for writing but every write fails (ENOSPC).
    let out = run(&[
        "--only",
        "kdf_ck",
        "--report-json",
        "/dev/full",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let all = text(&out);
    assert_eq!(code(&out), COULD_NOT_RUN, "{all}");
    assert!(all.contains("cannot write /dev/full"), "{all}");
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<testsuites"));
}

#[test]
fn the_exit_statuses_are_documented_in_help() {
    let out = Command::new(HARNESS)
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = text(&out);
    for line in [
        "Exit status:",
        "  0  ",
        "  1  ",
        "  2  ",
        "  3  interrupted",
    ] {
        assert!(help.contains(line), "{line:?} missing from: {help}");
    }
}

// 7. Validated inputs.

#[test]
fn nonsense_timeouts_and_windows_are_refused() {
    for (option, value) in [
        ("--timeout", "0"),
        ("--timeout", "-1"),
        ("--timeout", "NaN"),
        ("--timeout", "inf"),
        ("--timeout", "1e300"),
        ("--window", "0"),
        ("--window", "100000000"),
        ("--deadline", "0"),
        ("--deadline", "inf"),
    ] {
        let out = run(&[&format!("{option}={value}")]);
        let all = text(&out);
        assert_eq!(code(&out), COULD_NOT_RUN, "{option} {value}: {all}");
        assert!(
            all.contains(&format!("{option} must be")),
            "{option} {value}: {all}"
        );
    }
}

#[test]
fn mistyped_hello_values_are_sut_protocol_errors() {
    for (extra, needle) in [
        (
            serde_json::json!({"limits": {"maxSkip": -1}}),
            "limits.maxSkip",
        ),
        (
            serde_json::json!({"limits": {"maxSkip": 1.5}}),
            "limits.maxSkip",
        ),
        (
            serde_json::json!({"limits": {"maxSkip": "1000"}}),
            "limits.maxSkip",
        ),
        (
            serde_json::json!({"limits": {"maxSkip": 4294967296u64}}),
            "limits.maxSkip",
        ),
        (
            serde_json::json!({"protocolVersion": null}),
            "protocolVersion",
        ),
        (
            serde_json::json!({"protocolVersion": "1"}),
            "protocolVersion",
        ),
        (serde_json::json!({"injectKeys": "yes"}), "injectKeys"),
    ] {
        let out = run_py(&hello_with(extra.clone()), None, &["--only", "kdf_ck"]);
        let all = text(&out);
        assert_eq!(code(&out), COULD_NOT_RUN, "{extra}: {all}");
        assert!(
            all.contains("bad_hello") && all.contains(needle),
            "{extra}: {all}"
        );
    }
}

#[test]
fn overlapping_deviation_entries_are_all_reported_as_occurring() {
    let file = temp("overlap.json");
    std::fs::write(
        &file,
        r#"{"deviations": [
            {"check": "kdf_ck/*", "reason": "the constants are swapped", "specSection": "DR §5.2"},
            {"check": "kdf_ck/5", "reason": "the constants are swapped (test 5)", "specSection": "DR §5.2"}
        ]}"#,
    )
    .unwrap();
    let report = temp("overlap-report.json");
    let sut = format!("'{HARNESS}' sut --mutant kdf_ck_constants_swapped");
    let out = run(&[
        "--sut",
        &sut,
        "--only",
        "kdf_ck",
        "--expected-deviations",
        file.to_str().unwrap(),
        "--report-json",
        report.to_str().unwrap(),
    ]);
    let all = text(&out);
    assert_eq!(code(&out), 0, "{all}");
    assert!(!all.contains("NO LONGER OCCURS"), "{all}");
    let report = json(&report);
    assert_eq!(report["totals"]["expected_deviations"], 200);
    assert_eq!(
        report["deviations"][1]["occurred"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(report["deviations"][1]["noLongerOccurs"], false);
}

#[test]
fn the_deadline_bounds_a_run_against_a_sut_that_stops_answering() {
    let report = temp("deadline.json");
    let out = run_bounded(
        &[
            "--sut",
            &chaos_sut("hang@50"),
            "--only",
            "kdf_ck",
            "--timeout",
            "600",
            "--deadline",
            "3",
            "--report-json",
            report.to_str().unwrap(),
        ],
        Duration::from_secs(120),
    );
    let all = text(&out);
    assert_eq!(code(&out), INTERRUPTED, "{all}");
    assert!(all.contains("stopped by --deadline (3 s)"), "{all}");
    let report = json(&report);
    assert!(
        report["totals"]["passed"].as_u64().unwrap() > 0,
        "what ran is kept"
    );
    assert_eq!(
        report["totals"]["failed"], 0,
        "the cut-short test is not a failure"
    );
}

#[test]
fn a_timeout_before_anything_but_hello_was_answered_suggests_flushing_stdout() {
    for (answered, hinted) in [(1, true), (20, false)] {
        let sut = chaos_sut(&format!("hang@{answered}"));
        let out = run_bounded(
            &["--sut", &sut, "--only", "kdf_ck", "--timeout", "1"],
            Duration::from_secs(120),
        );
        let all = text(&out);
        assert!(all.contains("timeout"), "{all}");
        assert_eq!(
            all.contains("flush after every line"),
            hinted,
            "after {answered} answers: {all}"
        );
    }
}
