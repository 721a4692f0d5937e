//! Stage 3 of 3, the top: a conformance run. Starting a SUT and running everything against
//! it (this file), the live scenarios (`scenarios`), the report (`report`) and documented
//! deviations applied to it (`deviations`), the mutation self-test (`mutation`), protocol
//! throughput (`throughput`) and the timing of a SUT's session hot path (`bench`). It may
//! import `driver` and `vectors`; no stage imports it.
//!
//! `ratchet-harness run`: start a SUT, negotiate, replay every applicable vector, play the
//! live scenarios, and report.

pub mod bench;
pub mod coverage;
pub mod deviations;
pub mod exit_code;
pub mod mutation;
pub mod report;
pub mod scenarios;
pub mod sent_headers;
pub mod throughput;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use ratchet_ref::Profile;

use crate::driver::profile_scope::ProfileScope;
use crate::driver::subprocess::{SubprocessConfig, SubprocessDriver};
use crate::driver::{Driver, SutFailure};
use crate::run::report::{RunReport, ScenarioRecord, SutInfo};
use crate::vectors::verify::{self, ReplayError};

/// The `--only` value that selects the live scenarios alone.
pub const ONLY_SCENARIOS: &str = "scenarios";

/// Everything `run` needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub sut_command: String,
    pub vectors: PathBuf,
    /// A vector kind, or `scenarios`.
    pub only: Option<String>,
    pub seed: u64,
    pub timeout: Duration,
    pub window: usize,
    pub max_restarts: usize,
    /// The profiles to run; empty: every profile the SUT declares that the harness knows.
    pub profiles: Vec<Profile>,
}

fn empty_report(options: &RunOptions, caps: Option<&crate::driver::Capabilities>) -> RunReport {
    let fallback = crate::driver::Capabilities::unknown();
    RunReport::new(
        options
            .profiles
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", "),
        SutInfo::new(&options.sut_command, caps.unwrap_or(&fallback)),
    )
}

/// Runs the whole conformance run. Errors are problems of the harness's own inputs (a
/// missing or malformed vector file, an unknown kind); everything the SUT does is in the
/// report.
pub fn run(options: &RunOptions) -> Result<RunReport, ReplayError> {
    let only_scenarios = options.only.as_deref() == Some(ONLY_SCENARIOS);
    let load = |profiles: &[Profile]| -> Result<Vec<verify::LoadedFile>, ReplayError> {
        let mut files = Vec::new();
        if !only_scenarios {
            for profile in profiles {
                files.extend(verify::load_dir(
                    &options.vectors,
                    profile,
                    options.only.as_deref(),
                )?);
            }
        }
        Ok(files)
    };
    // Every vector file is read and checked before any test runs: before the SUT starts
    // when the profiles were named, else as soon as its hello says which profiles run.
    let preloaded = if options.profiles.is_empty() {
        None
    } else {
        Some(load(&options.profiles)?)
    };
    let config = SubprocessConfig {
        command: options.sut_command.clone(),
        timeout: options.timeout,
        window: options.window,
        max_restarts: options.max_restarts,
    };
    let mut driver = match SubprocessDriver::start(config) {
        Ok(driver) => driver,
        Err(failure) => {
            let mut report = empty_report(options, None);
            report.interrupted = crate::driver::interruption::check().map(|why| why.to_string());
            if report.interrupted.is_none() {
                report.incidents.push(failure.clone());
                report.fatal = Some(failure);
            }
            report.tally();
            return Ok(report);
        }
    };
    let caps = driver.capabilities().clone();
    let mut report = empty_report(options, Some(&caps));
    let profiles = match choose_profiles(&options.profiles, &caps.profiles) {
        Ok(profiles) => profiles,
        Err(detail) => {
            report.fatal = Some(SutFailure {
                diagnosis: "profile_not_supported".into(),
                detail,
            });
            driver.shutdown();
            report.incidents = std::mem::take(&mut driver.incidents);
            report.tally();
            return Ok(report);
        }
    };
    report.profile = profiles
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ");
    let files = match preloaded {
        Some(files) => files,
        None => match load(&profiles) {
            Ok(files) => files,
            Err(e) => {
                driver.shutdown();
                return Err(e);
            }
        },
    };
    let interactive = std::io::stderr().is_terminal();
    for profile in &profiles {
        if crate::driver::interruption::check().is_some() {
            break;
        }
        let profile_files: Vec<verify::LoadedFile> = files
            .iter()
            .filter(|f| f.profile == profile.name)
            .cloned()
            .collect();
        let mut scoped = ProfileScope::new(&mut driver, profile.name);
        if !only_scenarios {
            let bar = interactive.then(|| {
                let bar = ProgressBar::new(0);
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar
            });
            let mut last_kind = String::new();
            report.kinds.extend(verify::replay_loaded(
                &profile_files,
                &mut scoped,
                |kind, done, total| {
                    if kind != last_kind {
                        last_kind = kind.to_string();
                        match &bar {
                            Some(bar) => {
                                bar.set_prefix(format!("{}/{kind}", profile.name));
                                bar.set_length(total as u64);
                            }
                            None => eprintln!("replaying {}/{kind} ({total} tests)", profile.name),
                        }
                    }
                    if let Some(bar) = &bar {
                        bar.set_position(done as u64);
                    }
                },
            )?);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        }
        if (options.only.is_none() || only_scenarios)
            && crate::driver::interruption::check().is_none()
        {
            let mut last = String::new();
            let results = scenarios::run_all(&mut scoped, *profile, options.seed, |name| {
                if name != last {
                    last = name.to_string();
                    if !interactive {
                        eprintln!("scenario {}/{name}", profile.name);
                    }
                }
            });
            report
                .scenarios
                .extend(results.iter().map(ScenarioRecord::from));
        }
    }
    report.interrupted = crate::driver::interruption::check().map(|why| why.to_string());
    driver.shutdown();
    report.incidents = std::mem::take(&mut driver.incidents);
    report.tally();
    Ok(report)
}

/// The profiles a run covers: those asked for (each must be declared by the SUT), or every
/// declared profile the harness knows. Err says why none can run.
pub fn choose_profiles(asked: &[Profile], declared: &[String]) -> Result<Vec<Profile>, String> {
    if !asked.is_empty() {
        if let Some(missing) = asked.iter().find(|p| !declared.iter().any(|d| d == p.name)) {
            return Err(format!(
                "the SUT declares profiles {declared:?}, not {:?}; choose one with --profile",
                missing.name
            ));
        }
        return Ok(asked.to_vec());
    }
    let known: Vec<Profile> = declared
        .iter()
        .filter_map(|name| Profile::by_name(name))
        .collect();
    if known.is_empty() {
        return Err(format!(
            "the SUT declares profiles {declared:?}, none of which this harness knows ({})",
            Profile::names().join(", ")
        ));
    }
    Ok(known)
}
