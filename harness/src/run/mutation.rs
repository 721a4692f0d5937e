//! The suite's own test: run the whole suite against every mutant of the reference and
//! record what caught it. A mutant nothing catches is a hole in the vectors or scenarios.

use std::path::Path;

use ratchet_ref::Profile;

use crate::driver::own_randomness::OwnRandomness;
use crate::driver::sut::mutants::{Mutant, ALL};
use crate::driver::sut::ReferenceSut;
use crate::driver::InProcess;
use crate::run::scenarios;
use crate::vectors::replay::Verdict;
use crate::vectors::verify::{self, ReplayError};

/// What the suite found against one mutant.
#[derive(Debug, Clone)]
pub struct MutantOutcome {
    pub mutant: Mutant,
    /// The profile the mutant was run in.
    pub profile: &'static str,
    /// Vector kinds (with failure counts) and scenarios that failed.
    pub caught_by: Vec<String>,
    /// The first failure, for the table.
    pub first_failure: Option<String>,
    /// Failing tests and scenario runs, over everything that caught it.
    pub checks: usize,
    /// Whether it is still caught when the SUT cannot take injected keys or export and
    /// import state (the vectors that need them do not run).
    pub caught_black_box: bool,
}

impl MutantOutcome {
    pub fn caught(&self) -> bool {
        !self.caught_by.is_empty()
    }
}

/// Runs every vector and scenario against one mutant, in process.
pub fn evaluate(
    mutant: &Mutant,
    vectors: &Path,
    profile: Profile,
) -> Result<MutantOutcome, ReplayError> {
    let mut driver = InProcess::new(ReferenceSut::mutant_of(profile, mutant.apply(profile)));
    let kinds = verify::replay_dir(vectors, &profile, None, &mut driver, |_, _, _| {})?;
    let mut caught_by = Vec::new();
    let mut first_failure = None;
    let mut checks = 0;
    for k in &kinds {
        if k.failed + k.sut_failures > 0 {
            checks += k.failed + k.sut_failures;
            caught_by.push(format!("{} ({})", k.kind, k.failed + k.sut_failures));
            if first_failure.is_none() {
                first_failure = k.failures.first().map(|f| {
                    format!(
                        "{} tcId {}: {}: {}",
                        k.kind, f.tc_id, f.difference.step, f.difference.field
                    )
                });
            }
        }
    }
    for s in scenarios::run_all(&mut driver, profile, 1, |_| {}) {
        if let Verdict::Fail(d) = &s.verdict {
            checks += 1;
            caught_by.push(format!("scenario {} ({:?})", s.name, s.role).to_lowercase());
            if first_failure.is_none() {
                first_failure = Some(format!("scenario {}: {}: {}", s.name, d.step, d.field));
            }
        }
    }
    let caught_black_box = caught_without_injection_or_export(mutant, vectors, profile)?;
    Ok(MutantOutcome {
        mutant: *mutant,
        profile: profile.name,
        caught_by,
        first_failure,
        checks,
        caught_black_box,
    })
}

/// Whether the suite fails `mutant` when it cannot inject keys or export and import state:
/// the vectors that remain, and the live scenarios.
fn caught_without_injection_or_export(
    mutant: &Mutant,
    vectors: &Path,
    profile: Profile,
) -> Result<bool, ReplayError> {
    let mut inner = InProcess::new(ReferenceSut::mutant_of(profile, mutant.apply(profile)));
    let mut driver = OwnRandomness::new(&mut inner, [0x5a; 32]);
    let kinds = verify::replay_dir(vectors, &profile, None, &mut driver, |_, _, _| {})?;
    if kinds.iter().any(|k| k.failed + k.sut_failures > 0) {
        return Ok(true);
    }
    Ok(scenarios::run_all(&mut driver, profile, 1, |_| {})
        .iter()
        .any(|s| matches!(s.verdict, Verdict::Fail(_) | Verdict::SutFailure(_))))
}

/// Every mutant that can exist in `profile`.
pub fn evaluate_all(vectors: &Path, profile: Profile) -> Result<Vec<MutantOutcome>, ReplayError> {
    ALL.iter()
        .filter(|m| (m.applies_to)(&profile))
        .map(|m| evaluate(m, vectors, profile))
        .collect()
}

/// Every mutant in every profile where it can exist, profile by profile.
pub fn evaluate_profiles(
    vectors: &Path,
    profiles: &[Profile],
) -> Result<Vec<MutantOutcome>, ReplayError> {
    let mut outcomes = Vec::new();
    for profile in profiles {
        outcomes.extend(evaluate_all(vectors, *profile)?);
    }
    Ok(outcomes)
}

/// A Markdown table of the outcomes.
pub fn markdown(outcomes: &[MutantOutcome]) -> String {
    let mut out = String::from(
        "| profile | mutant | bug | caught by | checks | without keys or state | first failure |\n|---|---|---|---|---|---|---|\n",
    );
    for o in outcomes {
        let kinds: Vec<&str> = o
            .caught_by
            .iter()
            .filter(|c| !c.starts_with("scenario "))
            .map(String::as_str)
            .collect();
        let scenarios = o.caught_by.len() - kinds.len();
        let mut caught = kinds.join(", ");
        if scenarios > 0 {
            if !caught.is_empty() {
                caught.push_str(", ");
            }
            caught.push_str(&format!("{scenarios} live scenario runs"));
        }
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} |\n",
            o.profile,
            o.mutant.name,
            o.mutant.description,
            if o.caught() {
                caught
            } else {
                "**NOT CAUGHT**".into()
            },
            o.checks,
            if o.caught_black_box {
                "caught"
            } else {
                "missed"
            },
            o.first_failure.as_deref().unwrap_or("")
        ));
    }
    let caught = outcomes.iter().filter(|o| o.caught()).count();
    out.push_str(&format!(
        "\n{caught} of {} mutant runs caught.\n",
        outcomes.len()
    ));
    out
}
