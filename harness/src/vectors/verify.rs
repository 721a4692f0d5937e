//! Replays vector files through a driver and tallies the verdicts per kind.

use std::path::Path;

use ratchet_ref::Profile;
use serde::Serialize;

use crate::driver::bounded_text::{bounded, MAX_DETAIL, MAX_LABEL};
use crate::driver::Driver;
use crate::vectors::kinds::{self, PlannedTest};
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

/// The report status of a verdict, and its one-line explanation (at most
/// [`MAX_DETAIL`] bytes: parts of it come from the SUT and the vector file).
pub fn status_and_detail(verdict: &Verdict) -> (Status, Option<String>) {
    let (status, detail) = match verdict {
        Verdict::Pass => (Status::Pass, None),
        Verdict::Fail(d) => (Status::Fail, Some(d.to_string())),
        Verdict::NotApplicable(reason) => (Status::NotApplicable, Some(reason.clone())),
        Verdict::SutFailure(f) => (
            Status::SutFailure,
            Some(format!("{}: {}", f.diagnosis, f.detail)),
        ),
    };
    (status, detail.map(|d| bounded(&d, MAX_DETAIL)))
}

/// A difference with every part cut to the report's bounds.
fn bounded_difference(d: Difference) -> Difference {
    Difference {
        step: bounded(&d.step, MAX_LABEL),
        field: bounded(&d.field, MAX_LABEL),
        expected: bounded(&d.expected, MAX_DETAIL / 2),
        got: bounded(&d.got, MAX_DETAIL / 2),
        diagnosis: d
            .diagnosis
            .iter()
            .take(4)
            .map(|n| bounded(n, MAX_DETAIL / 2))
            .collect(),
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
    /// Optional checks (state exports) left out of tests that ran, because the SUT does
    /// not implement their op: op → how many.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped_checks: Vec<(String, usize)>,
    /// Every test, in file order. A failed test's difference is in `failures`, not repeated
    /// in its record (each text is stored once).
    pub tests: Vec<TestRecord>,
}

impl KindResult {
    /// The one-line explanation of a test's status: its record's detail, or for a failed
    /// test its difference from `failures`.
    pub fn explain(&self, test: &TestRecord) -> Option<String> {
        test.detail.clone().or_else(|| {
            self.failures
                .iter()
                .find(|f| f.tc_id == test.tc_id)
                .map(|f| f.difference.to_string())
        })
    }

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

/// Most bytes of one vector file (the largest generated one is under 8 MiB): a file is read
/// whole, so its size must be bounded.
pub const MAX_VECTOR_FILE_BYTES: u64 = 64 << 20;

/// A vector file read and validated (see [`crate::vectors::kinds::Kind::validate`]), ready to be
/// planned for a SUT.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub kind: &'static str,
    /// The profile the file's vectors are for.
    pub profile: String,
    pub path: String,
    pub tests: usize,
    text: String,
}

/// Reads a file of at most [`MAX_VECTOR_FILE_BYTES`].
fn read_bounded(path: &Path) -> Result<String, FileError> {
    use std::io::Read;
    let fail = |problem: String| FileError {
        file: path.display().to_string(),
        json_path: "$".into(),
        problem,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let mut text = String::new();
    file.take(MAX_VECTOR_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    if text.len() as u64 > MAX_VECTOR_FILE_BYTES {
        return Err(fail(format!(
            "larger than {MAX_VECTOR_FILE_BYTES} bytes; is it a vector file?"
        )));
    }
    Ok(text)
}

/// Reads, parses and checks every kind's file in `dir` for `profile` (or only `only`),
/// before anything runs: a bad file is refused at once, naming its path and JSON path, and
/// never after results were obtained.
pub fn load_dir(
    dir: &Path,
    profile: &Profile,
    only: Option<&str>,
) -> Result<Vec<LoadedFile>, ReplayError> {
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
    let mut files = Vec::new();
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
        let text = read_bounded(&path)?;
        let shown = path.display().to_string();
        let tests = kind.validate(&shown, &text)?;
        files.push(LoadedFile {
            kind: kind.name(),
            profile: profile.name.to_string(),
            path: shown,
            tests,
            text,
        });
    }
    Ok(files)
}

/// Replays every kind's file in `dir` for `profile` (or only `only`).
pub fn replay_dir(
    dir: &Path,
    profile: &Profile,
    only: Option<&str>,
    driver: &mut dyn Driver,
    progress: impl FnMut(&str, usize, usize),
) -> Result<Vec<KindResult>, ReplayError> {
    let files = load_dir(dir, profile, only)?;
    replay_loaded(&files, driver, progress)
}

/// Replays files from [`load_dir`]. Stops early, keeping what ran, when the run is
/// interrupted (see [`crate::driver::interruption`]).
pub fn replay_loaded(
    files: &[LoadedFile],
    driver: &mut dyn Driver,
    mut progress: impl FnMut(&str, usize, usize),
) -> Result<Vec<KindResult>, ReplayError> {
    let all = kinds::all();
    let mut results = Vec::new();
    for loaded in files {
        if crate::driver::interruption::check().is_some() {
            break;
        }
        let Some(kind) = all.iter().find(|k| k.name() == loaded.kind) else {
            continue;
        };
        let planned = kind.plan(&loaded.path, &loaded.text, driver.capabilities())?;
        let mut result = KindResult {
            kind: kind.name().into(),
            profile: loaded.profile.clone(),
            file: loaded.path.clone(),
            ..KindResult::default()
        };
        let total = planned.len();
        let mut interrupted = false;
        for (done, test) in planned.into_iter().enumerate() {
            progress(kind.name(), done, total);
            if crate::driver::interruption::check().is_some() {
                interrupted = true;
                break;
            }
            let verdict = match &test.checks {
                Err(reason) => Verdict::NotApplicable(reason.clone()),
                Ok(checks) => {
                    count_dropped(&mut result, checks, driver.capabilities());
                    run_checks(driver, checks)
                }
            };
            if matches!(&verdict, Verdict::SutFailure(f) if f.diagnosis == crate::driver::subprocess::INTERRUPTED)
            {
                // Cut short by the interruption, not judged: not recorded.
                interrupted = true;
                break;
            }
            record(&mut result, test, verdict);
        }
        if !interrupted {
            progress(kind.name(), total, total);
        }
        results.push(result);
        if interrupted {
            break;
        }
    }
    Ok(results)
}

/// Counts the optional checks of a test that the SUT's capabilities leave out, so the report
/// can say what was not compared instead of passing it silently.
fn count_dropped(
    result: &mut KindResult,
    checks: &[crate::vectors::replay::Check],
    capabilities: &crate::driver::Capabilities,
) {
    for check in checks {
        if check.optional
            && check.op != crate::vectors::replay::DIGEST_OP
            && !capabilities.supports(&check.op)
            && check.op != "session_close"
        {
            match result
                .dropped_checks
                .iter_mut()
                .find(|(op, _)| *op == check.op)
            {
                Some((_, n)) => *n += 1,
                None => result.dropped_checks.push((check.op.clone(), 1)),
            }
        }
    }
}

/// Adds one test's verdict to its kind's results: counts, the test's record, and its
/// failure, reason or diagnosis, each cut to the report's bounds (they hold SUT and vector
/// file text).
pub fn record(result: &mut KindResult, test: PlannedTest, verdict: Verdict) {
    if test.outcome == crate::vectors::vector_file::Outcome::Invalid {
        result.invalid_tests += 1;
    }
    let (status, detail) = status_and_detail(&verdict);
    result.tests.push(TestRecord {
        tc_id: test.tc_id,
        comment: bounded(&test.comment, MAX_LABEL),
        status,
        // A failure's difference is kept once, in `failures`.
        detail: if status == Status::Fail { None } else { detail },
    });
    match verdict {
        Verdict::Pass => result.passed += 1,
        Verdict::Fail(difference) => {
            result.failed += 1;
            result.failures.push(TestFailure {
                tc_id: test.tc_id,
                comment: bounded(&test.comment, MAX_LABEL),
                flags: test.flags,
                difference: bounded_difference(difference),
            });
        }
        Verdict::NotApplicable(reason) => {
            result.not_applicable += 1;
            let reason = bounded(&reason, MAX_DETAIL);
            match result
                .not_applicable_reasons
                .iter_mut()
                .find(|(r, _)| *r == reason)
            {
                Some((_, n)) => *n += 1,
                None => result.not_applicable_reasons.push((reason, 1)),
            }
        }
        // The diagnosis is the test record's detail.
        Verdict::SutFailure(_) => result.sut_failures += 1,
    }
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
            for note in &f.difference.diagnosis {
                out.push_str(&format!("     ↳ {note}\n"));
            }
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
        for (op, n) in &r.dropped_checks {
            out.push_str(&format!(
                "SKIPPED CHECKS {}: {n} {op} checks left out of tests that ran (the SUT does not implement {op}{})\n",
                r.kind,
                if op == "session_export" {
                    ": the state after each step is not compared"
                } else {
                    ""
                }
            ));
        }
        for t in r
            .tests
            .iter()
            .filter(|t| t.status == Status::SutFailure)
            .take(5)
        {
            let diagnosis = t.detail.as_deref().unwrap_or_default();
            out.push_str(&format!("SUT  {} tcId {}: {diagnosis}\n", r.kind, t.tc_id));
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
