//! The exit status of `ratchet-harness run` and `bench`: CI tells apart an implementation
//! that fails tests, a run that could not judge anything, a run that was cut short, and a
//! bench whose numbers the machine's noise makes worthless.

use std::process::ExitCode;

/// How a run ended, as its process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunExit {
    /// Every test that ran passed (or was an expected deviation), and something was tested.
    Passed,
    /// At least one test failed, or the SUT misbehaved while being tested.
    TestsFailed,
    /// The run could not be done: a bad command line, vector file or report path, a SUT that
    /// failed its `hello`, a report that could not be written, or nothing was tested.
    CouldNotRun,
    /// Stopped early by SIGINT, SIGTERM, SIGHUP or `--deadline`; the reports are partial.
    Interrupted,
    /// `bench` only: measured, but the rounds were spread too wide to trust; nothing was
    /// written for the tracker.
    TooNoisy,
}

impl RunExit {
    /// The numeric status.
    pub fn code(self) -> u8 {
        match self {
            RunExit::Passed => 0,
            RunExit::TestsFailed => 1,
            RunExit::CouldNotRun => 2,
            RunExit::Interrupted => 3,
            RunExit::TooNoisy => 4,
        }
    }
}

impl From<RunExit> for ExitCode {
    fn from(exit: RunExit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// The exit statuses, as `--help` and the README list them.
pub const HELP: &str = "Exit status:
  0  every test passed (expected deviations included) and something was tested
  1  tests failed, or the SUT misbehaved while being tested
  2  could not run: bad arguments, vector file or report path; the SUT failed hello;
     a report could not be written; or nothing was tested (see --allow-empty)
  3  interrupted by SIGINT, SIGTERM or SIGHUP, or stopped by --deadline (partial reports)";

/// The exit statuses of `bench`, as its `--help` and PROTOCOL.md list them.
pub const BENCH_HELP: &str = "Exit status:
  0  measured, and the spread says the numbers can be trusted (--json written)
  1  the SUT misbehaved or failed an op while being benched (crash, timeout, error answer,
     wrong plaintext, wrong echo)
  2  could not run: bad arguments or --json path; the SUT failed hello, lacks an op bench
     needs, or declares none of the profiles asked for
  3  interrupted by SIGINT, SIGTERM or SIGHUP
  4  too noisy: the table is printed marked NOT TRUSTWORTHY and no --json file is written";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statuses_are_distinct_and_documented() {
        let all = [
            RunExit::Passed,
            RunExit::TestsFailed,
            RunExit::CouldNotRun,
            RunExit::Interrupted,
            RunExit::TooNoisy,
        ];
        for (i, a) in all.iter().enumerate() {
            if *a != RunExit::TooNoisy {
                assert!(HELP.contains(&format!("  {}  ", a.code())), "{a:?}");
            }
            assert!(BENCH_HELP.contains(&format!("  {}  ", a.code())), "{a:?}");
            for b in &all[i + 1..] {
                assert_ne!(a.code(), b.code());
            }
        }
        assert!(
            !HELP.contains("  4  "),
            "run never exits with bench's status 4"
        );
    }
}
