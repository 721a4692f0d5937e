//! Why a run stops before its end: a stop signal (see [`crate::driver::signals`]) or the overall
//! `--deadline`. Every wait of the harness checks [`check`], so a run stops within a fraction
//! of a second however slowly the SUT answers, and its partial reports are still written.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The deadline of this process's run: when it passes, and how long it was.
static DEADLINE: Mutex<Option<(Instant, Duration)>> = Mutex::new(None);

/// Why the run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    /// A stop signal (SIGINT, SIGTERM, SIGHUP).
    Signal(i32),
    /// The `--deadline` of this many seconds passed.
    Deadline(Duration),
}

impl std::fmt::Display for Interruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interruption::Signal(s) => {
                write!(f, "interrupted by {}", crate::driver::signals::name(*s))
            }
            Interruption::Deadline(d) => {
                write!(f, "stopped by --deadline ({} s)", d.as_secs_f64())
            }
        }
    }
}

/// Sets the overall deadline, `length` from now.
pub fn set_deadline(length: Duration) {
    if let Ok(mut deadline) = DEADLINE.lock() {
        *deadline = Some((Instant::now() + length, length));
    }
}

/// The reason to stop now, if there is one.
pub fn check() -> Option<Interruption> {
    if let Some(signal) = crate::driver::signals::received() {
        return Some(Interruption::Signal(signal));
    }
    let deadline = *DEADLINE.lock().ok()?;
    match deadline {
        Some((at, length)) if Instant::now() >= at => Some(Interruption::Deadline(length)),
        _ => None,
    }
}
