//! Expected deviations: a documented list of checks a SUT is known to fail, each with the
//! reason and the spec section. A run that reads it stays green on those checks but still
//! reports every deviation, and reports a listed deviation that no longer occurs.
//!
//! File format: `{"deviations": [{"check": "session/12", "reason": "...", "specSection":
//! "DR §3.5"}]}`. A check id is `<kind>/<tcId>`, `<kind>/*` (every test of a kind) or
//! `scenario/<name>/<role>` with role `initiator` or `responder` (the SUT's role).

use std::path::Path;

use serde::Deserialize;

use crate::run::report::{Deviation, DeviationOutcome, RunReport};
use crate::run::scenarios::SutRole;
use crate::vectors::verify::Status;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviationFile {
    deviations: Vec<Deviation>,
}

/// Reads and checks a deviations file.
pub fn load(path: &Path) -> Result<Vec<Deviation>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    let file: DeviationFile = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| format!("{}: at {}: {}", path.display(), e.path(), e.inner()))?;
    for (i, d) in file.deviations.iter().enumerate() {
        if parse(&d.check).is_none() {
            return Err(format!(
                "{}: deviations[{i}].check {:?} is not <kind>/<tcId>, <kind>/* or scenario/<name>/<initiator|responder>",
                path.display(),
                d.check
            ));
        }
        if d.reason.trim().is_empty() || d.spec_section.trim().is_empty() {
            return Err(format!(
                "{}: deviations[{i}] needs a reason and a specSection",
                path.display()
            ));
        }
    }
    Ok(file.deviations)
}

enum Target {
    Test { kind: String, tc_id: Option<u64> },
    Scenario { name: String, role: SutRole },
}

fn parse(check: &str) -> Option<Target> {
    let parts: Vec<&str> = check.split('/').collect();
    match parts.as_slice() {
        ["scenario", name, role] => Some(Target::Scenario {
            name: name.to_string(),
            role: match *role {
                "initiator" => SutRole::Initiator,
                "responder" => SutRole::Responder,
                _ => return None,
            },
        }),
        [kind, "*"] => Some(Target::Test {
            kind: kind.to_string(),
            tc_id: None,
        }),
        [kind, id] => Some(Target::Test {
            kind: kind.to_string(),
            tc_id: Some(id.parse().ok()?),
        }),
        _ => None,
    }
}

/// Marks the failures each deviation covers as expected and records what happened to every
/// deviation. Returns the ids of deviations that name checks this run does not have.
pub fn apply(report: &mut RunReport, deviations: &[Deviation]) -> Vec<String> {
    let mut unknown = Vec::new();
    for deviation in deviations {
        let mut outcome = DeviationOutcome {
            deviation: deviation.clone(),
            occurred: Vec::new(),
            no_longer_occurs: false,
        };
        let mut exists = false;
        match parse(&deviation.check) {
            Some(Target::Test { kind, tc_id }) => {
                for k in report.kinds.iter_mut().filter(|k| k.kind == kind) {
                    let mut covered = Vec::new();
                    for t in k
                        .tests
                        .iter()
                        .filter(|t| tc_id.is_none_or(|id| id == t.tc_id))
                    {
                        exists = true;
                        // A failure an earlier, overlapping entry already covered occurred
                        // for this entry too (it is counted once).
                        if matches!(t.status, Status::Fail | Status::ExpectedDeviation) {
                            let detail = k.explain(t).unwrap_or_default();
                            outcome
                                .occurred
                                .push((format!("{kind}/{}", t.tc_id), detail.clone()));
                            covered.push((t.tc_id, detail));
                        }
                    }
                    // The failure leaves `failures` below: its record keeps the explanation.
                    for (id, detail) in covered {
                        if let Some(t) = k.tests.iter_mut().find(|t| t.tc_id == id) {
                            t.status = Status::ExpectedDeviation;
                            t.detail = Some(detail);
                        }
                    }
                    let before = k.failures.len();
                    k.failures.retain(|f| tc_id.is_some_and(|id| id != f.tc_id));
                    let moved = before - k.failures.len();
                    k.failed -= moved;
                    k.expected_deviations += moved;
                }
            }
            Some(Target::Scenario { name, role }) => {
                for s in report
                    .scenarios
                    .iter_mut()
                    .filter(|s| s.name == name && s.role == role)
                {
                    exists = true;
                    if matches!(s.status, Status::Fail | Status::ExpectedDeviation) {
                        s.status = Status::ExpectedDeviation;
                        outcome.occurred.push((
                            deviation.check.clone(),
                            s.detail.clone().unwrap_or_default(),
                        ));
                    }
                }
            }
            None => {}
        }
        if !exists {
            unknown.push(deviation.check.clone());
        }
        outcome.no_longer_occurs = exists && outcome.occurred.is_empty();
        report.deviations.push(outcome);
    }
    report.tally();
    unknown
}
