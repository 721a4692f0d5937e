//! Replays vector files through a driver and tallies the verdicts per kind.

use std::path::Path;

use ratchet_ref::Profile;
use serde::Serialize;

use crate::driver::Driver;
use crate::vectors::kinds;
use crate::vectors::replay::{run_checks, Difference, Verdict};
use crate::vectors::vector_file::FileError;

/// One failed test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestFailure {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    #[serde(flatten)]
    pub difference: Difference,
}

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    NotApplicable,
    /// Not judged: the SUT crashed, hung or wrote garbage. Counted as failed.
    SutFailure,
    /// Failed, as a documented deviation of the SUT expects (see `--expected-deviations`).
    ExpectedDeviation,
}

/// The report status of a verdict, and its one-line explanation.
pub fn status_and_detail(verdict: &Verdict) -> (Status, Option<String>) {
    match verdict {
        Verdict::Pass => (Status::Pass, None),
        Verdict::Fail(d) => (
            Status::Fail,
            Some(format!(
                "{}: field {}: expected {}, got {}",
                d.step, d.field, d.expected, d.got
            )),
        ),
        Verdict::NotApplicable(reason) => (Status::NotApplicable, Some(reason.clone())),
        Verdict::SutFailure(f) => (
            Status::SutFailure,
            Some(format!("{}: {}", f.diagnosis, f.detail)),
        ),
    }
}

/// One test's record, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestRecord {
    pub tc_id: u64,
    pub comment: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Results for one vector kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindResult {
    pub kind: String,
    /// The profile whose vector file this is.
    pub profile: String,
    pub file: String,
    pub passed: usize,
    pub failed: usize,
    pub not_applicable: usize,
    /// Tests that could not be judged because the SUT crashed, hung or wrote garbage.
    pub sut_failures: usize,
    /// Tests the vectors mark invalid (all outcomes).
    pub invalid_tests: usize,
    /// Failures covered by a documented deviation (not counted in `failed`).
    pub expected_deviations: usize,
    pub failures: Vec<TestFailure>,
    /// Why tests were not applicable, with counts.
    pub not_applicable_reasons: Vec<(String, usize)>,
    /// Diagnoses of SUT misbehaviour, with the tcId where each happened.
    pub sut_diagnoses: Vec<(u64, String)>,
    /// Every test, in file order.
    pub tests: Vec<TestRecord>,
}

impl KindResult {
    /// `kind` for the `spec` profile, `profile/kind` for the others.
    pub fn label(&self) -> String {
        if self.profile == "spec" || self.profile.is_empty() {
            self.kind.clone()
        } else {
            format!("{}/{}", self.profile, self.kind)
        }
    }
}

/// Errors that stop a replay before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("{dir}: no vector file for kind {kind:?} ({file}); run `ratchet-harness generate` or pass --vectors")]
    Missing {
        dir: String,
        kind: String,
        file: String,
    },
    #[error("{0}: unknown kind {1:?}; known kinds: {2}")]
    UnknownKind(String, String, String),
}

/// Replays every kind's file in `dir` for `profile` (or only `only`).
pub fn replay_dir(
    dir: &Path,
    profile: &Profile,
    only: Option<&str>,
    driver: &mut dyn Driver,
    mut progress: impl FnMut(&str, usize, usize),
) -> Result<Vec<KindResult>, ReplayError> {
    let all = kinds::all();
    if let Some(name) = only {
        if !all.iter().any(|k| k.name() == name) {
            let names: Vec<&str> = all.iter().map(|k| k.name()).collect();
            return Err(ReplayError::UnknownKind(
                "--only".into(),
                name.into(),
                names.join(", "),
            ));
        }
    }
    let mut results = Vec::new();
    for kind in all
        .iter()
        .filter(|k| k.applies_to(profile) && only.is_none_or(|o| o == k.name()))
    {
        let file_name = kind.file_name(profile);
        let path = dir.join(&file_name);
        if !path.exists() {
            return Err(ReplayError::Missing {
                dir: dir.display().to_string(),
                kind: kind.name().into(),
                file: file_name,
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| FileError {
            file: path.display().to_string(),
            json_path: "$".into(),
            problem: format!("cannot read: {e}"),
        })?;
        let planned = kind.plan(&path.display().to_string(), &text, driver.capabilities())?;
        let mut result = KindResult {
            kind: kind.name().into(),
            profile: profile.name.into(),
            file: path.display().to_string(),
            ..KindResult::default()
        };
        let total = planned.len();
        for (done, test) in planned.into_iter().enumerate() {
            progress(kind.name(), done, total);
            if test.outcome == crate::vectors::vector_file::Outcome::Invalid {
                result.invalid_tests += 1;
            }
            let verdict = match &test.checks {
                Err(reason) => Verdict::NotApplicable(reason.clone()),
                Ok(checks) => run_checks(driver, checks),
            };
            let (status, detail) = status_and_detail(&verdict);
            result.tests.push(TestRecord {
                tc_id: test.tc_id,
                comment: test.comment.clone(),
                status,
                detail,
            });
            match verdict {
                Verdict::Pass => result.passed += 1,
                Verdict::Fail(difference) => {
                    result.failed += 1;
                    result.failures.push(TestFailure {
                        tc_id: test.tc_id,
                        comment: test.comment,
                        flags: test.flags,
                        difference,
                    });
                }
                Verdict::NotApplicable(reason) => {
                    result.not_applicable += 1;
                    match result
                        .not_applicable_reasons
                        .iter_mut()
                        .find(|(r, _)| *r == reason)
                    {
                        Some((_, n)) => *n += 1,
                        None => result.not_applicable_reasons.push((reason, 1)),
                    }
                }
                Verdict::SutFailure(failure) => {
                    result.sut_failures += 1;
                    result.sut_diagnoses.push((
                        test.tc_id,
                        format!("{}: {}", failure.diagnosis, failure.detail),
                    ));
                }
            }
        }
        progress(kind.name(), total, total);
        results.push(result);
    }
    Ok(results)
}

/// A plain-text table, one row per kind, and the closing line.
pub fn render_table(results: &[KindResult]) -> String {
    let mut out = format!(
        "{:<22} {:>7} {:>7} {:>7} {:>7} {:>9} {:>8}\n",
        "kind", "passed", "failed", "n/a", "sut err", "deviation", "invalid"
    );
    for r in results {
        out.push_str(&format!(
            "{:<22} {:>7} {:>7} {:>7} {:>7} {:>9} {:>8}\n",
            r.label(),
            r.passed,
            r.failed,
            r.not_applicable,
            r.sut_failures,
            r.expected_deviations,
            r.invalid_tests
        ));
    }
    for r in results {
        for f in r.failures.iter().take(20) {
            out.push_str(&format!(
                "FAIL {} tcId {} ({}): {}: field {}: expected {}, got {}\n",
                r.kind,
                f.tc_id,
                f.comment,
                f.difference.step,
                f.difference.field,
                f.difference.expected,
                f.difference.got
            ));
        }
        if r.failures.len() > 20 {
            out.push_str(&format!(
                "     … and {} more failures in {}\n",
                r.failures.len() - 20,
                r.kind
            ));
        }
        for (reason, n) in &r.not_applicable_reasons {
            out.push_str(&format!("N/A  {} ({n} tests): {reason}\n", r.kind));
        }
        for (tc_id, diagnosis) in r.sut_diagnoses.iter().take(5) {
            out.push_str(&format!("SUT  {} tcId {tc_id}: {diagnosis}\n", r.kind));
        }
    }
    out
}

/// Totals: (passed, failed including tests the SUT's misbehaviour left unjudged, not
/// applicable).
pub fn totals(results: &[KindResult]) -> (usize, usize, usize) {
    results.iter().fold((0, 0, 0), |(p, f, s), r| {
        (
            p + r.passed,
            f + r.failed + r.sut_failures,
            s + r.not_applicable,
        )
    })
}
