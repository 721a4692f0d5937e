//! `ratchet-harness bench`: times a SUT's session encrypt and decrypt through the driver
//! protocol, for several message sizes, pipelined, and subtracts the protocol's own cost
//! (the `echo` op, measured in the same rounds), so an implementation's hot path can be
//! tracked in CI. The flow, one file per step: check the SUT's ops and probe its `echo`
//! (`echo`), open a session pair inside the SUT (`session_pair`), time rounds of three
//! batches per size (`schedule`), summarize them (`stats`, `report`), judge the noise
//! (`noise`), and print (`table`) or write the tracker's JSON (`tracker_json`).

pub mod answers;
pub mod echo;
pub mod error;
pub mod noise;
pub mod report;
pub mod schedule;
pub mod session_pair;
pub mod sizes;
pub mod stats;
pub mod table;
pub mod tracker_json;
pub mod units;

use std::time::Duration;

use ratchet_ref::Profile;

use crate::driver::subprocess::{SubprocessConfig, SubprocessDriver, INTERRUPTED};
use crate::driver::{Driver, SutFailure};
use crate::run::choose_profiles;
use error::BenchError;
use report::{BenchReport, ProfileResult, SizeResult};
use schedule::Schedule;
use session_pair::SessionPair;

/// The ops a SUT must declare to be benched.
pub const REQUIRED_OPS: [&str; 4] = [
    "session_create",
    "session_encrypt",
    "session_decrypt",
    echo::OP,
];

/// The `--help` text of `bench`: what is measured and what is subtracted.
pub const LONG_ABOUT: &str = "Time an implementation's session encrypt and decrypt through the driver protocol.

The SUT hosts both parties: sessions bench-alice (initiator) and bench-bob (responder) are made with session_create from fixed keys, and a warm-up exchange (Alice, Bob, Alice) leaves Alice on an established sending chain. Then, per message size and round, three pipelined batches of N requests are timed in this order: Alice encrypts N messages; N echo requests carry as many hex bytes as one encrypt or decrypt (the protocol's own cost: JSON, hex decode and encode, the pipe, the write and the flush); Bob decrypts the N messages in order. Every answer is checked (plaintexts, exact echoes) between exchanges of at most 256 requests, outside the timed span.

Reported per profile, size and op: the median time per message through the protocol, the echo's median, and the hot path, with the protocol's cost subtracted: the median over rounds of (op - echo of the same round), paired by round so that a round the machine slowed cancels out. Spread is the interquartile range (IQR) as a share of the median.

The bench refuses to report (exit status 4, no --json file, the table marked NOT TRUSTWORTHY) when any series' IQR exceeds --max-spread of its median, or when a hot path is not larger than the IQR of the echo and of its own per-round differences. --json writes the customSmallerIsBetter array of github-action-benchmark, as benches/ does: sut/<name>/<profile>/session_encrypt|session_decrypt/<size> (hot path, ns) and sut/<name>/<profile>/echo/<size> (protocol cost, ns). The SUT must declare session_create, session_encrypt, session_decrypt and echo (see harness/PROTOCOL.md, \"Timing your implementation: bench\").";

/// What to bench and how.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchOptions {
    /// The profiles to bench; empty: every profile the SUT declares that the harness knows.
    pub profiles: Vec<Profile>,
    /// Plaintext sizes in bytes.
    pub sizes: Vec<usize>,
    pub schedule: Schedule,
    /// Widest accepted IQR of a series, as a fraction of its median.
    pub max_spread: f64,
    /// The pipelining window (for the report; the driver applies it).
    pub window: usize,
}

/// Benches the SUT behind `driver`.
pub fn bench(
    driver: &mut dyn Driver,
    options: &BenchOptions,
    mut progress: impl FnMut(&str),
) -> Result<BenchReport, BenchError> {
    if options.sizes.is_empty() || options.schedule.rounds == 0 {
        return Err(BenchError::Options(
            "a bench needs at least one size (--sizes) and one round (--rounds)".into(),
        ));
    }
    let caps = driver.capabilities().clone();
    let profiles =
        choose_profiles(&options.profiles, &caps.profiles).map_err(BenchError::Profile)?;
    let missing: Vec<&'static str> = REQUIRED_OPS
        .iter()
        .copied()
        .filter(|op| !caps.supports(op))
        .collect();
    if !missing.is_empty() {
        return Err(BenchError::MissingOps { missing });
    }
    let mut report = BenchReport {
        sut_name: caps.name.clone(),
        sut_version: caps.version.clone(),
        rounds: options.schedule.rounds,
        window: options.window,
        max_spread: options.max_spread,
        profiles: Vec::new(),
        doubts: Vec::new(),
    };
    for profile in profiles {
        echo::probe(driver, profile.name)?;
        let pair = SessionPair::open(driver, profile)?;
        let mut result = ProfileResult {
            profile: profile.name.to_string(),
            sizes: Vec::new(),
        };
        for &size in &sizes::distinct(&options.sizes) {
            let samples = schedule::measure(driver, &pair, size, options.schedule, &mut progress)?;
            let judged = SizeResult::judge(
                profile.name,
                &samples,
                options.max_spread,
                &mut report.doubts,
            )
            .ok_or_else(|| BenchError::Options("no round was measured".into()))?;
            result.sizes.push(judged);
        }
        pair.close(driver);
        report.profiles.push(result);
    }
    Ok(report)
}

/// Starts the SUT `command` and benches it; also returns what the SUT did wrong at the end
/// (`did_not_exit`, `stderr_flood`, …), which does not change the numbers.
pub fn bench_command(
    command: &str,
    timeout: Duration,
    options: &BenchOptions,
    progress: impl FnMut(&str),
) -> Result<(BenchReport, Vec<SutFailure>), BenchError> {
    let config = SubprocessConfig {
        command: command.to_string(),
        timeout,
        window: options.window,
        // A restarted SUT has lost the session pair: a failure ends the bench.
        max_restarts: 0,
    };
    let mut driver = SubprocessDriver::start(config).map_err(|failure| {
        if failure.diagnosis == INTERRUPTED {
            BenchError::Interrupted(failure.detail)
        } else {
            BenchError::Start(failure)
        }
    })?;
    let result = bench(&mut driver, options, progress);
    driver.shutdown();
    result.map(|report| (report, std::mem::take(&mut driver.incidents)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::sut::ReferenceSut;
    use crate::driver::{Answer, Capabilities, InProcess};
    use serde_json::Value;

    fn options(profiles: Vec<Profile>) -> BenchOptions {
        BenchOptions {
            profiles,
            sizes: vec![100, 1024],
            schedule: Schedule {
                rounds: 2,
                requests: Some(3),
            },
            max_spread: 1e9,
            window: 32,
        }
    }

    /// The reference with some ops hidden from its hello, or its echo answers replaced.
    struct Altered {
        inner: InProcess,
        caps: Capabilities,
        echo: Option<Value>,
    }

    impl Altered {
        fn new(hide: &[&str], echo: Option<Value>) -> Altered {
            let inner = InProcess::new(ReferenceSut::new(Profile::spec()));
            let mut caps = inner.capabilities().clone();
            for op in hide {
                caps.ops.remove(*op);
            }
            Altered { inner, caps, echo }
        }
    }

    impl Driver for Altered {
        fn capabilities(&self) -> &Capabilities {
            &self.caps
        }

        fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
            let answers = self.inner.call_batch(requests);
            answers
                .into_iter()
                .zip(requests)
                .map(|(answer, (op, _))| match (&self.echo, op.as_str()) {
                    (Some(body), "echo") => Ok(Ok(body.clone())),
                    _ => answer,
                })
                .collect()
        }
    }

    #[test]
    fn the_reference_is_benched_in_every_profile_it_declares() {
        let mut driver = InProcess::new(ReferenceSut::new(Profile::spec()));
        let report = bench(&mut driver, &options(Vec::new()), |_| {}).unwrap();
        assert_eq!(report.sut_name, "ratchet-ref");
        let names: Vec<&str> = report.profiles.iter().map(|p| p.profile.as_str()).collect();
        assert_eq!(names, ["spec", "olm"]);
        for profile in &report.profiles {
            let sizes: Vec<usize> = profile.sizes.iter().map(|s| s.size).collect();
            assert_eq!(sizes, [100, 1024]);
            for size in &profile.sizes {
                assert_eq!(size.requests, 3);
                assert_eq!(size.echo.rounds, 2);
                assert_eq!(size.ops.len(), 2);
            }
        }
    }

    #[test]
    fn the_tracker_entries_name_every_profile_op_and_size() {
        let mut driver = InProcess::new(ReferenceSut::new(Profile::spec()));
        let report = bench(&mut driver, &options(Vec::new()), |_| {}).unwrap();
        let entries = tracker_json::entries(&report);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let mut expected = Vec::new();
        for profile in ["spec", "olm"] {
            for size in ["100B", "1KiB"] {
                for op in ["session_encrypt", "session_decrypt", "echo"] {
                    expected.push(format!("sut/ratchet-ref/{profile}/{op}/{size}"));
                }
            }
        }
        assert_eq!(names, expected);
        assert!(entries
            .iter()
            .all(|e| e.unit == "ns" && e.value.is_finite()));
        let encrypt = &report.profiles[0].sizes[0].ops[0];
        assert_eq!(entries[0].value, (encrypt.hot.median * 10.0).round() / 10.0);
        assert!(
            entries[0].extra.contains("hot path"),
            "{}",
            entries[0].extra
        );
        assert_eq!(
            entries[2].value,
            (report.profiles[0].sizes[0].echo.median * 10.0).round() / 10.0
        );
    }

    #[test]
    fn a_sut_without_echo_is_refused_with_what_to_add() {
        let mut driver = Altered::new(&["echo"], None);
        let e = bench(&mut driver, &options(Vec::new()), |_| {}).unwrap_err();
        assert_eq!(
            e,
            BenchError::MissingOps {
                missing: vec!["echo"]
            }
        );
        let text = e.to_string();
        assert!(text.contains("does not declare op \"echo\""), "{text}");
        assert!(text.contains("Add the op echo"), "{text}");
        assert!(!text.contains("Implement the session ops"), "{text}");
        assert_eq!(e.exit(), crate::run::exit_code::RunExit::CouldNotRun);
    }

    #[test]
    fn a_sut_without_session_ops_is_refused_naming_each() {
        let mut driver = Altered::new(&["session_decrypt", "session_create"], None);
        let e = bench(&mut driver, &options(Vec::new()), |_| {}).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("ops \"session_create\", \"session_decrypt\""),
            "{text}"
        );
        assert!(text.contains("Implement the session ops"), "{text}");
    }

    #[test]
    fn a_wrong_echo_stops_the_bench_before_any_session_is_made() {
        let mut driver = Altered::new(&[], Some(serde_json::json!({"data": "00"})));
        let e = bench(&mut driver, &options(Vec::new()), |_| {}).unwrap_err();
        assert!(
            matches!(&e, BenchError::WrongEcho { what, .. } if what.contains("probe")),
            "{e:?}"
        );
        assert_eq!(e.exit(), crate::run::exit_code::RunExit::TestsFailed);
    }

    #[test]
    fn a_profile_the_sut_does_not_declare_is_refused() {
        let mut driver = Altered::new(&[], None);
        driver.caps.profiles = vec!["spec".into()];
        let e = bench(&mut driver, &options(vec![Profile::olm()]), |_| {}).unwrap_err();
        assert!(matches!(e, BenchError::Profile(_)), "{e:?}");
        assert!(e.to_string().contains("--profile"), "{e}");
    }

    #[test]
    fn nothing_to_measure_is_an_options_error() {
        let mut driver = InProcess::new(ReferenceSut::new(Profile::spec()));
        let mut o = options(Vec::new());
        o.sizes.clear();
        assert!(matches!(
            bench(&mut driver, &o, |_| {}),
            Err(BenchError::Options(_))
        ));
    }
}
