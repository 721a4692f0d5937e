//! `ratchet-harness`: the command-line front of the conformance suite.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ratchet_harness::driver::sut::mutants;
use ratchet_harness::driver::sut::stdio::{serve_with_chaos, Chaos};
use ratchet_harness::driver::sut::ReferenceSut;
use ratchet_harness::driver::InProcess;
use ratchet_harness::driver::{interruption, signals};
use ratchet_harness::run::bench::{self, sizes};
use ratchet_harness::run::coverage;
use ratchet_harness::run::exit_code::{self, RunExit};
use ratchet_harness::run::report as run_report;
use ratchet_harness::run::{self, deviations, mutation, throughput};
use ratchet_harness::vectors::{generate, verify};
use ratchet_ref::Profile;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "ratchet-harness",
    version,
    about = "Conformance suite for X3DH and the Double Ratchet"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the vector files from their fixed seeds (byte-identical on every run).
    Generate {
        /// Directory to write to [default: the repository's vectors/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Regenerate in memory and compare with the files instead of writing.
        #[arg(long)]
        check: bool,
        /// Only this profile [default: every built-in profile].
        #[arg(long)]
        profile: Option<String>,
    },
    /// Replay every vector file against the in-process reference.
    Verify {
        /// Directory holding the vector files [default: the repository's vectors/].
        #[arg(long)]
        vectors: Option<PathBuf>,
        /// Replay only this kind.
        #[arg(long)]
        only: Option<String>,
        /// Only this profile [default: every built-in profile].
        #[arg(long)]
        profile: Option<String>,
    },
    /// Run the conformance suite against an implementation (the built-in reference by default).
    #[command(after_help = exit_code::HELP)]
    Run {
        /// Shell command that starts the SUT speaking the JSON-lines protocol on
        /// stdin/stdout [default: this binary's `sut`].
        #[arg(long)]
        sut: Option<String>,
        /// Directory holding the vector files [default: the repository's vectors/].
        #[arg(long)]
        vectors: Option<PathBuf>,
        /// Run only this vector kind, or `scenarios` for the live scenarios alone.
        #[arg(long)]
        only: Option<String>,
        /// Seed of the live scenarios' randomness.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Longest wait for any one answer, in seconds (more than 0, at most 3600).
        #[arg(long, default_value_t = 10.0, value_parser = timeout_seconds)]
        timeout: f64,
        /// Most requests in flight at once (pipelining), 1 to 4096; 1 sends one at a time.
        #[arg(long, default_value_t = 32, value_parser = window_size)]
        window: usize,
        /// Stop the whole run after this many seconds (more than 0, at most 604800), even
        /// against a SUT that answers each request just within --timeout; the reports are
        /// then partial and the exit status is 3.
        #[arg(long, value_parser = deadline_seconds)]
        deadline: Option<f64>,
        /// Accept a run that tests nothing (every test not applicable, no tests in the
        /// vector files, or a SUT that declares no ops) instead of failing it.
        #[arg(long)]
        allow_empty: bool,
        /// Most restarts of a failing SUT.
        #[arg(long, default_value_t = 5)]
        max_restarts: usize,
        /// A documented list of this SUT's known deviations (see PROTOCOL.md): they are
        /// reported but do not fail the run; one that no longer occurs is reported too.
        #[arg(long)]
        expected_deviations: Option<PathBuf>,
        /// Write the JSON report here.
        #[arg(long)]
        report_json: Option<PathBuf>,
        /// Write JUnit XML here.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Only this profile [default: every profile the SUT declares that the harness
        /// knows, one after another].
        #[arg(long)]
        profile: Option<String>,
    },
    /// Serve the reference implementation over the JSON-lines protocol on stdin/stdout.
    Sut {
        #[arg(long, default_value = "spec")]
        profile: String,
        /// Run a deliberately broken variant (see --list-mutants).
        #[arg(long)]
        mutant: Option<String>,
        /// List the mutants, one name per line, then a description.
        #[arg(long)]
        list_mutants: bool,
        /// Misbehave on purpose (for testing the harness): MODE[@N] with MODE one of exit,
        /// hang, garbage, wrong-id, endless-line, stderr-flood, log-line, huge-error, at the
        /// N-th request.
        #[arg(long, hide = true)]
        chaos: Option<String>,
    },
    /// Print the coverage matrix: for every section of the DR, X3DH and Olm specifications
    /// that states a rule, the vector flags, live scenarios and mutants that exercise it, as
    /// Markdown; exits non-zero if a rule is exercised by nothing.
    Coverage {
        /// Directory holding the vector files [default: the repository's vectors/].
        #[arg(long)]
        vectors: Option<PathBuf>,
    },
    /// Run the suite against every mutant of the reference and print what caught each, as a
    /// Markdown table; exits non-zero if any mutant is not caught.
    Mutants {
        #[arg(long)]
        vectors: Option<PathBuf>,
    },
    /// Time an implementation's session encrypt and decrypt through the protocol, with the
    /// protocol's own cost (the echo op) subtracted; refuses to report a noisy measurement.
    #[command(long_about = bench::LONG_ABOUT, after_help = exit_code::BENCH_HELP)]
    Bench {
        /// Shell command that starts the SUT speaking the JSON-lines protocol on
        /// stdin/stdout [default: this binary's `sut`].
        #[arg(long)]
        sut: Option<String>,
        /// Only this profile [default: every profile the SUT declares that the harness
        /// knows, one after another].
        #[arg(long)]
        profile: Option<String>,
        /// Plaintext sizes, comma-separated: bytes, or with k/KiB (1024) or M/MiB; from 1
        /// byte to 256KiB.
        #[arg(long, value_delimiter = ',', value_parser = sizes::parse_size, default_value = "100,1k,64k")]
        sizes: Vec<usize>,
        /// Timed rounds per size (2 to 10000); the statistics are over rounds.
        #[arg(long, default_value_t = 15, value_parser = bench_rounds)]
        rounds: usize,
        /// Requests per batch, 1 to 100000 [default: calibrated so a round takes about
        /// 100 ms].
        #[arg(long, value_parser = bench_requests)]
        requests: Option<usize>,
        /// Most requests in flight at once (pipelining), 1 to 4096.
        #[arg(long, default_value_t = 32, value_parser = window_size)]
        window: usize,
        /// Widest accepted spread: the interquartile range of any series as a percentage of
        /// its median (more than 0, at most 100000).
        #[arg(long, default_value = "25", value_parser = spread_percent)]
        max_spread: f64,
        /// Write the customSmallerIsBetter JSON here (only when the numbers are trusted; an
        /// existing file is removed first, so a refused bench leaves none).
        #[arg(long)]
        json: Option<PathBuf>,
        /// Longest wait for any one answer, in seconds (more than 0, at most 3600).
        #[arg(long, default_value_t = 10.0, value_parser = timeout_seconds)]
        timeout: f64,
    },
    /// Measure protocol throughput against a SUT: requests per second at a pipelining window.
    Throughput {
        #[arg(long)]
        sut: Option<String>,
        #[arg(long, default_value_t = 1)]
        window: usize,
        #[arg(long, default_value_t = 20000)]
        requests: usize,
    },
}

/// Parses a number of seconds in `(0, max]`: 0, negative, NaN and infinite values make no
/// sense as a wait and would panic in `Duration`.
fn seconds_in(text: &str, max: f64, what: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a number of seconds, like 10 or 2.5"))?;
    if !value.is_finite() || value <= 0.0 || value > max {
        return Err(format!(
            "{what} must be more than 0 and at most {max} seconds, got {text}"
        ));
    }
    Ok(value)
}

fn timeout_seconds(text: &str) -> Result<f64, String> {
    seconds_in(text, 3600.0, "--timeout")
}

fn deadline_seconds(text: &str) -> Result<f64, String> {
    seconds_in(text, 604_800.0, "--deadline")
}

fn window_size(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=4096).contains(&n) => Ok(n),
        _ => Err(format!(
            "--window must be a whole number from 1 to 4096 (requests in flight), got {text}"
        )),
    }
}

fn bench_rounds(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (2..=10_000).contains(&n) => Ok(n),
        _ => Err(format!(
            "--rounds must be a whole number from 2 to 10000 (a spread needs two rounds; 15 or more is steadier), got {text}"
        )),
    }
}

fn bench_requests(text: &str) -> Result<usize, String> {
    let max = bench::schedule::MAX_REQUESTS;
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "--requests must be a whole number from 1 to {max} (requests per batch), got {text}"
        )),
    }
}

/// Parses `25` or `25%` as the fraction 0.25.
fn spread_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p > 0.0 && p <= 100_000.0 => Ok(p / 100.0),
        _ => Err(format!(
            "--max-spread must be a percentage more than 0 and at most 100000, like 25 or 12.5%, got {text}"
        )),
    }
}

/// Makes sure no older file stays at `path` to be mistaken for this bench's numbers, and
/// that the file can be written: created, then removed until there is something to write.
fn clear_bench_json(path: &std::path::Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "--json {} is a directory; give a file name",
            path.display()
        ));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .and_then(|_| std::fs::remove_file(path))
        .map_err(|e| {
            format!(
                "--json {}: cannot write there: {e}; choose a writable path",
                path.display()
            )
        })
}

/// Checks before the run that a report can be written at `path` (so a typo does not cost a
/// whole run), creating the file if it is missing but not truncating it.
fn check_report_path(path: &std::path::Path, option: &str) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "{option} {} is a directory; give a file name",
            path.display()
        ));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map(drop)
        .map_err(|e| {
            format!(
                "{option} {}: cannot write there: {e}; choose a writable path",
                path.display()
            )
        })
}

/// Writes to stdout, ignoring a closed pipe (`| head`): the reports are already on disk, and
/// `print!` would panic.
fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Why a run tested nothing, if it did.
fn nothing_tested(report: &run_report::RunReport) -> Option<String> {
    let t = &report.totals;
    if t.passed + t.failed + t.expected_deviations > 0 {
        return None;
    }
    let tests: usize = report.kinds.iter().map(|k| k.tests.len()).sum();
    Some(if report.sut.ops.is_empty() {
        "the SUT declared no ops in its hello".to_string()
    } else if tests == 0 && report.scenarios.is_empty() {
        "the vector files hold no tests".to_string()
    } else {
        format!(
            "every test was not applicable ({} skipped; the n/a lines above say why)",
            t.skipped
        )
    })
}

/// The vectors directory: `./vectors` when it exists, else the one in the source tree.
fn default_vectors() -> PathBuf {
    let local = PathBuf::from("vectors");
    if local.join("README.md").exists() || local.join("schema").exists() {
        local
    } else {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors"))
    }
}

/// The command line that runs this binary as the reference SUT.
fn reference_command(profile: &Profile, mutant: Option<&str>) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "ratchet-harness".into());
    let mut command = format!("{} sut --profile {}", shell_quote(&exe), profile.name);
    if let Some(m) = mutant {
        command.push_str(&format!(" --mutant {m}"));
    }
    command
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn write_or_exit(path: &std::path::Path, text: &str) -> Result<(), ExitCode> {
    std::fs::write(path, text).map_err(|e| {
        eprintln!("error: cannot write {}: {e}", path.display());
        ExitCode::FAILURE
    })
}

/// The named profile, or every built-in one.
fn profiles_or_exit(name: Option<&str>) -> Result<Vec<Profile>, ExitCode> {
    match name {
        Some(name) => Ok(vec![profile_or_exit(name)?]),
        None => Ok(Profile::all()),
    }
}

fn profile_or_exit(name: &str) -> Result<Profile, ExitCode> {
    Profile::by_name(name).ok_or_else(|| {
        eprintln!(
            "error: unknown profile {name:?}; known profiles: {}",
            Profile::names().join(", ")
        );
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) | Err(code) => code,
    }
}

fn run(command: Command) -> Result<ExitCode, ExitCode> {
    match command {
        Command::Generate {
            out,
            check,
            profile,
        } => {
            let profiles = profiles_or_exit(profile.as_deref())?;
            let dir = out.unwrap_or_else(default_vectors);
            let files = generate::generate_profiles(&profiles);
            if check {
                let drifts = generate::check_all(&dir, &files);
                for drift in &drifts {
                    eprintln!("{}: {}", drift.file, drift.summary);
                }
                if drifts.is_empty() {
                    println!(
                        "{} vector files in {} match the generator",
                        files.len(),
                        dir.display()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!(
                    "{} of {} vector files differ from the generator; if the generator change is intended, run `ratchet-harness generate` and commit the files",
                    drifts.len(),
                    files.len()
                );
                return Err(ExitCode::FAILURE);
            }
            generate::write_all(&dir, &files).map_err(|e| {
                eprintln!("error: cannot write to {}: {e}", dir.display());
                ExitCode::FAILURE
            })?;
            let bytes: usize = files.iter().map(|f| f.text.len()).sum();
            println!(
                "wrote {} vector files ({:.1} MiB) to {}",
                files.len(),
                bytes as f64 / 1048576.0,
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            vectors,
            only,
            profile,
        } => {
            let profiles = profiles_or_exit(profile.as_deref())?;
            let dir = vectors.unwrap_or_else(default_vectors);
            let mut results = Vec::new();
            for profile in &profiles {
                let mut driver = InProcess::new(ReferenceSut::new(*profile));
                results.extend(
                    verify::replay_dir(&dir, profile, only.as_deref(), &mut driver, |_, _, _| {})
                        .map_err(|e| {
                        eprintln!("error: {e}");
                        ExitCode::FAILURE
                    })?,
                );
            }
            print!("{}", verify::render_table(&results));
            let (passed, failed, skipped) = verify::totals(&results);
            println!("{passed} passed, {failed} failed");
            if failed > 0 || skipped > 0 {
                if skipped > 0 {
                    eprintln!("{skipped} vectors could not be checked against the reference");
                }
                return Err(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            sut,
            vectors,
            only,
            seed,
            timeout,
            window,
            deadline,
            allow_empty,
            max_restarts,
            report_json,
            junit,
            expected_deviations,
            profile,
        } => {
            let could_not_run = |message: String| {
                eprintln!("error: {message}");
                ExitCode::from(RunExit::CouldNotRun)
            };
            let profiles = match profile.as_deref() {
                Some(name) => vec![profile_or_exit(name)?],
                None => Vec::new(),
            };
            if let Some(path) = &report_json {
                check_report_path(path, "--report-json").map_err(could_not_run)?;
            }
            if let Some(path) = &junit {
                check_report_path(path, "--junit").map_err(could_not_run)?;
            }
            let deviations = match &expected_deviations {
                Some(path) => deviations::load(path).map_err(could_not_run)?,
                None => Vec::new(),
            };
            if let Err(e) = signals::install() {
                eprintln!("warning: cannot handle SIGINT/SIGTERM/SIGHUP ({e}); an interrupted run writes no report");
            }
            signals::become_subreaper();
            if let Some(seconds) = deadline {
                interruption::set_deadline(Duration::from_secs_f64(seconds));
            }
            let options = run::RunOptions {
                sut_command: sut.unwrap_or_else(|| reference_command(&Profile::spec(), None)),
                vectors: vectors.unwrap_or_else(default_vectors),
                only,
                seed,
                timeout: Duration::from_secs_f64(timeout),
                window,
                max_restarts,
                profiles,
            };
            let mut report = run::run(&options).map_err(|e| could_not_run(e.to_string()))?;
            let unknown = deviations::apply(&mut report, &deviations);
            // The reports go to disk first, both of them whatever happens to the other, and
            // only then is anything printed to a stdout that may be a closed pipe.
            let mut write_failed = false;
            if let Some(path) = &report_json {
                let text = serde_json::to_string_pretty(&report).unwrap_or_default();
                write_failed |= write_or_exit(path, &text).is_err();
            }
            if let Some(path) = &junit {
                write_failed |= write_or_exit(path, &report.junit()).is_err();
            }
            for check in &unknown {
                eprintln!(
                    "warning: the deviations file names {check:?}, which this run does not have"
                );
            }
            print_out(&report.render());
            if let Some(why) = &report.interrupted {
                let t = &report.totals;
                eprintln!(
                    "{why}: {} passed, {} failed, {} skipped before it stopped; the reports are partial",
                    t.passed, t.failed, t.skipped
                );
                return Err(RunExit::Interrupted.into());
            }
            if report.fatal.is_some() || write_failed {
                return Err(RunExit::CouldNotRun.into());
            }
            if report.totals.failed > 0 {
                return Err(RunExit::TestsFailed.into());
            }
            if let Some(why) = nothing_tested(&report) {
                if !allow_empty {
                    eprintln!("error: nothing was tested: {why}. Check the SUT's hello (ops, injectKeys, profiles) and --only, or pass --allow-empty to accept a run that tests nothing");
                    return Err(RunExit::CouldNotRun.into());
                }
                eprintln!("warning: nothing was tested: {why} (accepted: --allow-empty)");
            }
            Ok(RunExit::Passed.into())
        }
        Command::Sut {
            profile,
            mutant,
            list_mutants,
            chaos,
        } => {
            if list_mutants {
                for m in mutants::ALL {
                    println!("{}\t{}", m.name, m.description);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let profile = profile_or_exit(&profile)?;
            let sut = match mutant {
                None => ReferenceSut::new(profile),
                Some(name) => {
                    let Some(m) = mutants::by_name(&name) else {
                        eprintln!("error: unknown mutant {name:?}; `ratchet-harness sut --list-mutants` lists them");
                        return Err(ExitCode::from(2));
                    };
                    ReferenceSut::mutant_of(profile, m.apply(profile))
                }
            };
            let chaos = match chaos {
                None => None,
                Some(text) => Some(Chaos::parse(&text).ok_or_else(|| {
                    eprintln!("error: unknown --chaos {text:?}");
                    ExitCode::from(2)
                })?),
            };
            let mut sut = sut;
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            serve_with_chaos(&mut sut, stdin.lock(), stdout.lock(), chaos).map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Coverage { vectors } => {
            let dir = vectors.unwrap_or_else(default_vectors);
            let matrix = coverage::build(&dir).map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::from(2)
            })?;
            print_out(&coverage::render_markdown(&matrix));
            if matrix.unexercised().is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                Err(ExitCode::FAILURE)
            }
        }
        Command::Mutants { vectors } => {
            let dir = vectors.unwrap_or_else(default_vectors);
            let outcomes = mutation::evaluate_profiles(&dir, &Profile::all()).map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::from(2)
            })?;
            print!("{}", mutation::markdown(&outcomes));
            if outcomes.iter().all(|o| o.caught()) {
                Ok(ExitCode::SUCCESS)
            } else {
                Err(ExitCode::FAILURE)
            }
        }
        Command::Bench {
            sut,
            profile,
            sizes,
            rounds,
            requests,
            window,
            max_spread,
            json,
            timeout,
        } => {
            let could_not_run = |message: String| {
                eprintln!("error: {message}");
                ExitCode::from(RunExit::CouldNotRun)
            };
            let profiles = match profile.as_deref() {
                Some(name) => vec![profile_or_exit(name)?],
                None => Vec::new(),
            };
            if let Some(path) = &json {
                clear_bench_json(path).map_err(could_not_run)?;
            }
            if let Err(e) = signals::install() {
                eprintln!("warning: cannot handle SIGINT/SIGTERM/SIGHUP ({e}); an interrupted bench may leave its SUT running");
            }
            signals::become_subreaper();
            let options = bench::BenchOptions {
                profiles,
                sizes,
                schedule: bench::schedule::Schedule { rounds, requests },
                max_spread,
                window,
            };
            let command = sut.unwrap_or_else(|| reference_command(&Profile::spec(), None));
            let (report, incidents) = bench::bench_command(
                &command,
                Duration::from_secs_f64(timeout),
                &options,
                |line| eprintln!("bench {line}"),
            )
            .map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::from(e.exit())
            })?;
            for incident in &incidents {
                eprintln!(
                    "warning: the SUT misbehaved ({}): {}",
                    incident.diagnosis, incident.detail
                );
            }
            let trusted = report.trusted();
            let mut write_failed = false;
            if let (Some(path), true) = (&json, trusted) {
                let entries = bench::tracker_json::entries(&report);
                let text = serde_json::to_string_pretty(&entries).unwrap_or_default() + "\n";
                write_failed = write_or_exit(path, &text).is_err();
            }
            print_out(&bench::table::render(&report));
            if !trusted {
                eprintln!(
                    "error: too noisy to report (the verdict above says why); {}",
                    if json.is_some() {
                        "no --json file was written"
                    } else {
                        "nothing may be tracked"
                    }
                );
                return Err(RunExit::TooNoisy.into());
            }
            if write_failed {
                return Err(RunExit::CouldNotRun.into());
            }
            if let Some(path) = &json {
                eprintln!("wrote the tracker entries to {}", path.display());
            }
            Ok(RunExit::Passed.into())
        }
        Command::Throughput {
            sut,
            window,
            requests,
        } => {
            let command = sut.unwrap_or_else(|| reference_command(&Profile::spec(), None));
            let rate = throughput::measure(&command, window, requests).map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            })?;
            println!("window {window}: {requests} requests, {rate:.0} requests/s");
            Ok(ExitCode::SUCCESS)
        }
    }
}
