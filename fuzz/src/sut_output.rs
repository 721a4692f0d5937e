//! `sut_output`: arbitrary bytes as a SUT's stdout, through the harness's side of the
//! protocol: line framing (`read_lines`), the `hello` answer (`Capabilities::from_hello`),
//! every later line as the answer to a request (`judge_line`), the verdicts of checks judged
//! on those answers, and the reports built from them (table, JSON, JUnit).
//!
//! Invariants: no panic; every text stored in a report is within the documented bounds
//! (`ratchet_harness::driver::bounded_text`), whatever the SUT wrote (invalid UTF-8, partial lines,
//! multi-byte characters, megabytes of error message).
//!
//! Shared by the libFuzzer wrapper and by `harness/tests/fuzz_sut_output.rs` (included
//! with `#[path]`), so it uses only std, `ratchet_harness`, `ratchet_ref` and `serde_json`.

use ratchet_harness::driver::bounded_text::{MAX_DETAIL, MAX_ERROR_MESSAGE, MAX_LABEL};
use ratchet_harness::driver::protocol::Response;
use ratchet_harness::driver::subprocess::{judge_line, read_lines, Line};
use ratchet_harness::driver::{Answer, Capabilities, Driver, SutFailure};
use ratchet_harness::run::report::{RunReport, SutInfo};
use ratchet_harness::vectors::kinds::PlannedTest;
use ratchet_harness::vectors::replay::{run_checks, Check, Expect};
use ratchet_harness::vectors::vector_file::Outcome;
use ratchet_harness::vectors::verify::{record, KindResult};
use ratchet_ref::ErrorKind;
use serde_json::{json, Value};

/// Slack for the "… (N bytes)" marker a cut text ends with.
const MARK: usize = 40;

/// Answers requests with the fuzzed lines, in order; a missing line is `exited`.
struct Scripted {
    capabilities: Capabilities,
    answers: std::vec::IntoIter<Answer>,
}

impl Driver for Scripted {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
        requests
            .iter()
            .map(|_| {
                self.answers.next().unwrap_or_else(|| {
                    Err(SutFailure {
                        diagnosis: "exited".into(),
                        detail: "no more output".into(),
                    })
                })
            })
            .collect()
    }
}

/// The tests judged on the fuzzed answers: success with fields, an expected error, and an
/// acceptable outcome, as the vector kinds build them.
fn tests() -> Vec<PlannedTest> {
    let ok = |label: &str| {
        Check::new(
            label,
            "kdf_ck",
            json!({"ck": "00"}),
            Expect::Ok(vec![
                ("/ck".into(), json!("ab".repeat(100))),
                ("/mk".into(), json!("cd")),
            ]),
        )
    };
    let error = Check::new(
        "decrypt",
        "decrypt",
        json!({"mk": "00", "ciphertext": "00", "ad": ""}),
        Expect::Error(vec![ErrorKind::AuthFailed, ErrorKind::Malformed]),
    );
    let either = Check::new(
        "either",
        "decrypt",
        json!({}),
        Expect::OkOrAnyError(vec![("/plaintext".into(), json!("00"))]),
    );
    let plans = [
        vec![ok("step 0"), ok("step 1")],
        vec![error.clone()],
        vec![either, error],
        vec![ok("step 0").optional()],
    ];
    plans
        .into_iter()
        .enumerate()
        .map(|(i, checks)| PlannedTest {
            tc_id: i as u64 + 1,
            comment: format!("test {i}"),
            flags: Vec::new(),
            outcome: Outcome::Valid,
            error: None,
            checks: Ok(checks),
        })
        .collect()
}

fn assert_bounded(what: &str, text: &str, max: usize) {
    assert!(
        text.len() <= max + MARK,
        "{what}: {} bytes, more than {max}",
        text.len()
    );
}

/// Runs the check; returns how many complete lines the output held.
pub fn check_sut_output(data: &[u8]) -> usize {
    let mut lines = Vec::new();
    read_lines(data, |line| {
        lines.push(line);
        true
    });
    let count = lines.iter().filter(|l| matches!(l, Line::Text(_))).count();
    let mut texts = lines.into_iter().filter_map(|line| match line {
        Line::Text(text) => Some(text),
        _ => None,
    });

    // The first line answers hello (id 1).
    let mut capabilities = Capabilities::everything();
    if let Some(first) = texts.next() {
        if let Ok(Ok(body)) = judge_line(&first, 1) {
            if let Ok(declared) = Capabilities::from_hello(&body) {
                assert_bounded("hello name", &declared.name, MAX_LABEL);
                assert_bounded("hello version", &declared.version, MAX_LABEL);
                for (what, why) in &declared.not_applicable {
                    assert_bounded("notApplicable key", what, MAX_LABEL);
                    assert_bounded("notApplicable reason", why, MAX_LABEL);
                }
                if let Some(n) = declared.max_skip {
                    assert!(n <= u64::from(u32::MAX));
                }
                capabilities.name = declared.name;
            }
        }
        let _ = Response::parse(&first);
    }

    // Every later line answers the next request, ids from 2 on.
    let answers: Vec<Answer> = texts
        .enumerate()
        .map(|(i, text)| {
            let answer = judge_line(&text, i as u64 + 2);
            match &answer {
                Ok(Err(error)) => {
                    assert_bounded("error kind", &error.kind, 64);
                    assert_bounded("error message", &error.message, MAX_ERROR_MESSAGE);
                }
                Err(failure) => assert_bounded("diagnosis", &failure.detail, MAX_DETAIL),
                Ok(Ok(_)) => {}
            }
            answer
        })
        .collect();
    let mut driver = Scripted {
        capabilities: capabilities.clone(),
        answers: answers.into_iter(),
    };
    let mut result = KindResult {
        kind: "kdf_ck".into(),
        file: "fuzz".into(),
        ..KindResult::default()
    };
    for test in tests() {
        let verdict = match &test.checks {
            Ok(checks) => run_checks(&mut driver, checks),
            Err(reason) => ratchet_harness::vectors::replay::Verdict::NotApplicable(reason.clone()),
        };
        record(&mut result, test, verdict);
    }
    for test in &result.tests {
        if let Some(detail) = &test.detail {
            assert_bounded("test detail", detail, MAX_DETAIL);
        }
    }
    for failure in &result.failures {
        assert_bounded("expected", &failure.difference.expected, MAX_DETAIL / 2);
        assert_bounded("got", &failure.difference.got, MAX_DETAIL / 2);
    }
    assert_eq!(
        result.passed + result.failed + result.not_applicable + result.sut_failures,
        result.tests.len(),
        "every test is counted once"
    );

    let mut report = RunReport::new("spec".into(), SutInfo::new("fuzz", &capabilities));
    report.kinds.push(result);
    report.tally();
    let _ = report.render();
    let _ = report.junit();
    let _ = serde_json::to_string(&report).expect("a report serialises");
    count
}
