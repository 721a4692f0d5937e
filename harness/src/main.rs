//! `ratchet-harness`: the command-line front of the conformance suite.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ratchet_ref::Profile;

mod self_check;

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
    /// Exercise the built-in reference against itself (X3DH, ping-pong, reordering, replay).
    SelfCheck {
        /// Profile to check.
        #[arg(long, default_value = "spec")]
        profile: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::SelfCheck { profile } => {
            let Some(profile) = Profile::by_name(&profile) else {
                eprintln!(
                    "error: unknown profile {profile:?}; known profiles: {}",
                    Profile::names().join(", ")
                );
                return ExitCode::from(2);
            };
            let results = self_check::run(profile);
            let failed = results.iter().filter(|r| !r.passed).count();
            for result in &results {
                let status = if result.passed { "pass" } else { "FAIL" };
                println!("{status:4}  {}  {}", result.name, result.detail);
            }
            println!("{} passed, {failed} failed", results.len() - failed);
            if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
