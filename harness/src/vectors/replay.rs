//! Replaying a test is data: each kind turns a test into a list of [`Check`]s (a request and
//! what its answer must be), and one runner sends them through any [`Driver`] and reports
//! the first difference. Requests never depend on earlier answers, so a whole test can be
//! pipelined.

use ratchet_ref::ErrorKind;
use serde::Serialize;
use serde_json::Value;

use sha2::{Digest, Sha256};

use crate::driver::protocol::OpError;
use crate::driver::{shorten, Driver, SutFailure};
use crate::vectors::diagnosis;

/// What the answer to a request must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Success, with these fields (JSON pointer into the `ok` body → value).
    Ok(Vec<(String, Value)>),
    /// Failure of one of these kinds (the first is the reference's; others are alternatives a
    /// vector explicitly allows).
    Error(Vec<ErrorKind>),
    /// Either success with these fields or failure of any kind (an `acceptable` test).
    OkOrAnyError(Vec<(String, Value)>),
}

/// One request of a test and its expected answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Where in the test this is, for reports ("step 4: bob decrypt").
    pub label: String,
    pub op: String,
    pub args: Value,
    pub expect: Expect,
    /// Dropped (not failed) when the SUT does not implement `op`: state exports.
    pub optional: bool,
    /// Take the `message` argument from the `message` field of the answer to this earlier
    /// check (index into the test's checks): the SUT's own ciphertext, delivered.
    pub message_from: Option<usize>,
    /// Append this field of the answer (hex bytes, prefixed by their length as u32
    /// big-endian) to the test's running SHA-256.
    pub record: Option<String>,
    /// For a state check after a step that must fail: the rule a difference breaks ("a
    /// failed decrypt must change nothing", DR spec section 3.5).
    pub after_failure: Option<String>,
}

/// The pseudo-op of a check evaluated by the harness itself: compares the running SHA-256
/// of recorded answers with the expected `/sha256`.
pub const DIGEST_OP: &str = "$digest";

impl Check {
    pub fn new(label: impl Into<String>, op: &str, args: Value, expect: Expect) -> Check {
        Check {
            label: label.into(),
            op: op.to_string(),
            args,
            expect,
            optional: false,
            message_from: None,
            record: None,
            after_failure: None,
        }
    }

    /// A checkpoint of the running digest.
    pub fn digest(label: impl Into<String>, sha256_hex: &str) -> Check {
        Check::new(
            label,
            DIGEST_OP,
            Value::Null,
            Expect::Ok(vec![("/sha256".into(), Value::from(sha256_hex))]),
        )
    }

    /// Marks the check as optional (skipped when the SUT lacks the op).
    pub fn optional(mut self) -> Check {
        self.optional = true;
        self
    }

    /// Marks a state check as following a step that must fail, breaking `rule` when it
    /// differs.
    pub fn after_failure(mut self, rule: impl Into<String>) -> Check {
        self.after_failure = Some(rule.into());
        self
    }
}

/// The first place an answer departs from the vector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub step: String,
    pub field: String,
    pub expected: String,
    pub got: String,
    /// What the wrong value recognisably is, or the rule a changed state broke.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnosis: Vec<String>,
}

impl Difference {
    /// A difference with no diagnosis yet.
    pub fn new(step: String, field: String, expected: String, got: String) -> Difference {
        Difference {
            step,
            field,
            expected,
            got,
            diagnosis: Vec::new(),
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: field {}: expected {}, got {}",
            self.step, self.field, self.expected, self.got
        )?;
        for note in &self.diagnosis {
            write!(f, "; {note}")?;
        }
        Ok(())
    }
}

/// The verdict on one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail(Difference),
    /// Not run: the SUT lacks what the test needs. Never counted as passed.
    NotApplicable(String),
    /// The SUT misbehaved (crash, hang, garbage) while running this test.
    SutFailure(SutFailure),
}

fn compare_fields(label: &str, body: &Value, fields: &[(String, Value)]) -> Result<(), Difference> {
    for (pointer, expected) in fields {
        match body.pointer(pointer) {
            Some(got) if got == expected => {}
            Some(got) => {
                return Err(Difference::new(
                    label.to_string(),
                    pointer.clone(),
                    shorten(expected),
                    shorten(got),
                ))
            }
            None => {
                return Err(Difference::new(
                    label.to_string(),
                    pointer.clone(),
                    shorten(expected),
                    "(missing from the response)".into(),
                ))
            }
        }
    }
    Ok(())
}

fn names(kinds: &[ErrorKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The expectation for a test's final outcome: its error (and allowed alternatives) when
/// invalid, success with `fields` when valid, either when acceptable.
pub fn expect_outcome(
    outcome: crate::vectors::vector_file::Outcome,
    error: Option<ErrorKind>,
    alternatives: &[ErrorKind],
    fields: Vec<(String, Value)>,
) -> Expect {
    use crate::vectors::vector_file::Outcome;
    match outcome {
        Outcome::Valid => Expect::Ok(fields),
        Outcome::Acceptable => Expect::OkOrAnyError(fields),
        Outcome::Invalid => {
            let mut kinds: Vec<ErrorKind> = error.into_iter().collect();
            kinds.extend_from_slice(alternatives);
            Expect::Error(kinds)
        }
    }
}

fn judge(check: &Check, outcome: &Result<Value, OpError>) -> Result<(), Difference> {
    match (&check.expect, outcome) {
        (Expect::Ok(fields) | Expect::OkOrAnyError(fields), Ok(body)) => {
            compare_fields(&check.label, body, fields)
        }
        (Expect::OkOrAnyError(_), Err(_)) => Ok(()),
        (Expect::Ok(_), Err(error)) => Err(Difference::new(
            check.label.clone(),
            "result".into(),
            "success".into(),
            format!("error {}: {}", error.kind, error.message),
        )),
        (Expect::Error(kinds), Ok(_)) => Err(Difference::new(
            check.label.clone(),
            "result".into(),
            format!("error {}", names(kinds)),
            "success".into(),
        )),
        (Expect::Error(kinds), Err(error)) if kinds.iter().any(|k| error.kind == k.as_str()) => {
            Ok(())
        }
        (Expect::Error(kinds), Err(error)) => Err(Difference::new(
            check.label.clone(),
            "error.kind".into(),
            names(kinds),
            format!("{} ({})", error.kind, error.message),
        )),
    }
}

/// The diagnosis of a field that differs in a successful answer: the rule a state check
/// after a failing step broke and what changed, or what the wrong value recognisably is.
fn diagnose(check: &Check, checks: &[Check], body: &Value, field: &str) -> Vec<String> {
    let (Expect::Ok(fields) | Expect::OkOrAnyError(fields)) = &check.expect else {
        return Vec::new();
    };
    if let Some(rule) = &check.after_failure {
        let changed = diagnosis::changed_fields(fields, body);
        return vec![format!("{rule}; changed: {}", changed.join(", "))];
    }
    let (Some(expected), Some(got)) = (
        fields.iter().find(|(p, _)| p == field).map(|(_, v)| v),
        body.pointer(field),
    ) else {
        return Vec::new();
    };
    let mut siblings: Vec<(String, &Value)> = Vec::new();
    for other in checks {
        if let Expect::Ok(fields) | Expect::OkOrAnyError(fields) = &other.expect {
            for (pointer, value) in fields {
                if std::ptr::eq(other, check) {
                    siblings.push((pointer.clone(), value));
                } else {
                    siblings.push((format!("{}: {pointer}", other.label), value));
                }
            }
        }
    }
    diagnosis::explain_value(field, expected, got, &check.args, &siblings)
}

/// Sends the checks of one test and judges the answers, pipelining as far as the checks'
/// dependencies allow.
pub fn run_checks(driver: &mut dyn Driver, checks: &[Check]) -> Verdict {
    let capabilities = driver.capabilities();
    let mut selected: Vec<usize> = Vec::with_capacity(checks.len());
    for (index, check) in checks.iter().enumerate() {
        if check.op == DIGEST_OP || capabilities.supports(&check.op) {
            selected.push(index);
        } else if !check.optional {
            return Verdict::NotApplicable(format!("the SUT does not implement op {:?}", check.op));
        }
    }
    if selected.is_empty() {
        // Nothing would be sent: a pass here would be a pass on nothing.
        return Verdict::NotApplicable("the test has no check this SUT can run".into());
    }
    let mut messages: Vec<Option<Value>> = vec![None; checks.len()];
    let mut digest = Sha256::new();
    let mut position = 0;
    while position < selected.len() {
        let first = &checks[selected[position]];
        if first.op == DIGEST_OP {
            let got = hex::encode(digest.clone().finalize());
            if let Err(d) = judge(first, &Ok(serde_json::json!({ "sha256": got }))) {
                return Verdict::Fail(d);
            }
            position += 1;
            continue;
        }
        let mut batch: Vec<usize> = Vec::new();
        let mut end = position;
        while end < selected.len() {
            let check = &checks[selected[end]];
            if check.op == DIGEST_OP {
                break;
            }
            if let Some(from) = check.message_from {
                if batch.contains(&from) {
                    break;
                }
            }
            batch.push(selected[end]);
            end += 1;
        }
        let mut requests = Vec::with_capacity(batch.len());
        for &index in &batch {
            let check = &checks[index];
            let mut args = check.args.clone();
            if let Some(from) = check.message_from {
                let Some(message) = messages.get(from).cloned().flatten() else {
                    return Verdict::Fail(Difference::new(
                        check.label.clone(),
                        "message".into(),
                        format!(
                            "the message produced by {:?}",
                            checks.get(from).map(|c| c.label.as_str()).unwrap_or("?")
                        ),
                        "that step produced no message".into(),
                    ));
                };
                if let Some(map) = args.as_object_mut() {
                    map.insert("message".into(), message);
                }
            }
            requests.push((check.op.clone(), args));
        }
        let answers = driver.call_batch(&requests);
        for (&index, answer) in batch.iter().zip(answers) {
            let check = &checks[index];
            let outcome = match answer {
                Ok(outcome) => outcome,
                Err(failure) => return Verdict::SutFailure(failure),
            };
            if let Ok(body) = &outcome {
                messages[index] = body.get("message").cloned();
                if let Some(pointer) = &check.record {
                    let bytes = body
                        .pointer(pointer)
                        .and_then(Value::as_str)
                        .and_then(|h| hex::decode(h).ok())
                        .unwrap_or_default();
                    digest.update((bytes.len() as u32).to_be_bytes());
                    digest.update(&bytes);
                }
            }
            if let Err(mut difference) = judge(check, &outcome) {
                if let Ok(body) = &outcome {
                    difference.diagnosis = diagnose(check, checks, body, &difference.field);
                }
                return Verdict::Fail(difference);
            }
        }
        position = end;
    }
    Verdict::Pass
}
