//! Why `bench` could not measure: each error names the op and what was wrong, and maps to
//! the exit status CI tells apart (a SUT that misbehaved is not a run that could not start).

use crate::driver::bounded_text::{bounded, MAX_DETAIL};
use crate::driver::SutFailure;
use crate::run::exit_code::RunExit;

/// A failure of `bench` before it had numbers to judge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenchError {
    /// The options make no measurement (a size over the line limit, too many bytes a round).
    #[error("{0}")]
    Options(String),
    /// The SUT could not be started or failed its `hello`.
    #[error("the SUT could not be started ({}): {}", .0.diagnosis, .0.detail)]
    Start(SutFailure),
    /// None of the profiles asked for (or declared) can be benched.
    #[error("{0}")]
    Profile(String),
    /// The SUT's `hello` lacks ops the bench needs.
    #[error("the SUT does not declare {} in its hello; `bench` needs session_create, session_encrypt, session_decrypt and echo. {}", quoted(.missing), what_to_add(.missing))]
    MissingOps { missing: Vec<&'static str> },
    /// The SUT crashed, hung or wrote something that is not an answer.
    #[error("the SUT failed during {op} ({}): {}", .failure.diagnosis, .failure.detail)]
    Sut {
        op: &'static str,
        failure: SutFailure,
    },
    /// The SUT answered a request with an error.
    #[error("{op} ({what}) was answered with error {kind}: {message}")]
    OpFailed {
        op: &'static str,
        what: String,
        kind: String,
        message: String,
    },
    /// An answer lacks a field, or holds the wrong type or bytes that are not hex.
    #[error("{op} ({what}): {detail}")]
    BadAnswer {
        op: &'static str,
        what: String,
        detail: String,
    },
    /// `echo` handed back other bytes than it was sent.
    #[error("echo ({what}) answered other data than it was sent: {detail}; echo must return its data unchanged (decoded from hex and encoded again, lowercase), or the protocol cost bench subtracts means nothing")]
    WrongEcho { what: String, detail: String },
    /// `session_decrypt` of the SUT's own message gave another plaintext.
    #[error(
        "session_decrypt ({what}) returned another plaintext than the one encrypted: {detail}"
    )]
    WrongPlaintext { what: String, detail: String },
    /// A stop signal arrived.
    #[error("{0}; nothing was reported")]
    Interrupted(String),
}

fn quoted(ops: &[&str]) -> String {
    let names: Vec<String> = ops.iter().map(|op| format!("{op:?}")).collect();
    match names.len() {
        1 => format!("op {}", names[0]),
        _ => format!("ops {}", names.join(", ")),
    }
}

fn what_to_add(missing: &[&str]) -> String {
    let mut advice = Vec::new();
    if missing.iter().any(|op| op.starts_with("session_")) {
        advice.push("Implement the session ops of PROTOCOL.md (\"Session ops\", or \"Olm\" for the olm profile) and list them in hello's ops.");
    }
    if missing.contains(&super::echo::OP) {
        advice.push("Add the op echo: answer {\"data\": <the request's data>} after decoding the hex into bytes and encoding it again, and list \"echo\" in hello's ops (PROTOCOL.md, \"Timing your implementation: bench\").");
    }
    advice.join(" ")
}

impl BenchError {
    /// The exit status of a bench that ended with this error.
    pub fn exit(&self) -> RunExit {
        match self {
            BenchError::Options(_)
            | BenchError::Start(_)
            | BenchError::Profile(_)
            | BenchError::MissingOps { .. } => RunExit::CouldNotRun,
            BenchError::Sut { .. }
            | BenchError::OpFailed { .. }
            | BenchError::BadAnswer { .. }
            | BenchError::WrongEcho { .. }
            | BenchError::WrongPlaintext { .. } => RunExit::TestsFailed,
            BenchError::Interrupted(_) => RunExit::Interrupted,
        }
    }

    /// A SUT-side failure of `op`, or an interruption when that is what cut the request.
    pub fn sut(op: &'static str, failure: SutFailure) -> BenchError {
        if failure.diagnosis == crate::driver::subprocess::INTERRUPTED {
            return BenchError::Interrupted(failure.detail);
        }
        BenchError::Sut {
            op,
            failure: SutFailure {
                diagnosis: failure.diagnosis,
                detail: bounded(&failure.detail, MAX_DETAIL),
            },
        }
    }
}
