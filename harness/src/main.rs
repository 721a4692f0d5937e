//! `ratchet-harness`: the command-line front of the conformance suite.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ratchet_harness::driver::InProcess;
use ratchet_harness::sut::ReferenceSut;
use ratchet_harness::{generate, self_check, verify};
use ratchet_ref::Profile;

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
        #[arg(long, default_value = "spec")]
        profile: String,
    },
    /// Replay every vector file against the in-process reference.
    Verify {
        /// Directory holding the vector files [default: the repository's vectors/].
        #[arg(long)]
        vectors: Option<PathBuf>,
        /// Replay only this kind.
        #[arg(long)]
        only: Option<String>,
        #[arg(long, default_value = "spec")]
        profile: String,
    },
    /// Exercise the built-in reference against itself (X3DH, ping-pong, reordering, replay).
    SelfCheck {
        #[arg(long, default_value = "spec")]
        profile: String,
    },
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
            let profile = profile_or_exit(&profile)?;
            let dir = out.unwrap_or_else(default_vectors);
            let files = generate::generate_all(&profile);
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
            let profile = profile_or_exit(&profile)?;
            let dir = vectors.unwrap_or_else(default_vectors);
            let mut driver = InProcess::new(ReferenceSut::new(profile));
            let results =
                verify::replay_dir(&dir, &profile, only.as_deref(), &mut driver, |_, _, _| {})
                    .map_err(|e| {
                        eprintln!("error: {e}");
                        ExitCode::FAILURE
                    })?;
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
        Command::SelfCheck { profile } => {
            let profile = profile_or_exit(&profile)?;
            let results = self_check::run(profile);
            let failed = results.iter().filter(|r| !r.passed).count();
            for result in &results {
                let status = if result.passed { "pass" } else { "FAIL" };
                println!("{status:4}  {}  {}", result.name, result.detail);
            }
            println!("{} passed, {failed} failed", results.len() - failed);
            if failed == 0 {
                Ok(ExitCode::SUCCESS)
            } else {
                Err(ExitCode::FAILURE)
            }
        }
    }
}
