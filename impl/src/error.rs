//! Typed errors. Every failure the reference can report has a stable, machine-readable
//! [`ErrorKind`] so vectors and the driver protocol can name the failure a conforming
//! implementation must produce, and a lower-level failure cannot mask a higher-level one.

use serde::{Deserialize, Serialize};

/// The stable name of a failure class, as written in vector files and driver responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The MAC did not verify (wrong key, tampered header, ciphertext or associated data).
    AuthFailed,
    /// Bytes that do not parse: wrong length, truncation, trailing bytes, bad padding.
    Malformed,
    /// Decrypting would need more than MAX_SKIP skipped message keys in one chain.
    TooManySkipped,
    /// The message key for this header was already used (replay or duplicate delivery).
    Duplicate,
    /// A signed-prekey signature did not verify.
    InvalidSignature,
    /// A public key is not usable: not decodable, or a DH with it is not contributory.
    InvalidKey,
    /// The operation is not possible in the session's current state (for example a responder
    /// sending before it has received, or a message counter at its maximum).
    InvalidState,
    /// A queued key source ran out of injected keys.
    KeySourceExhausted,
}

impl ErrorKind {
    /// Every kind, in a fixed order, for documentation and exhaustive tests.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::AuthFailed,
        ErrorKind::Malformed,
        ErrorKind::TooManySkipped,
        ErrorKind::Duplicate,
        ErrorKind::InvalidSignature,
        ErrorKind::InvalidKey,
        ErrorKind::InvalidState,
        ErrorKind::KeySourceExhausted,
    ];

    /// The wire name (`auth_failed`, `malformed`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::AuthFailed => "auth_failed",
            ErrorKind::Malformed => "malformed",
            ErrorKind::TooManySkipped => "too_many_skipped",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::InvalidSignature => "invalid_signature",
            ErrorKind::InvalidKey => "invalid_key",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::KeySourceExhausted => "key_source_exhausted",
        }
    }

    /// Parses a wire name; `None` for names this version does not know.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error of the reference implementation: a kind plus a human-readable reason that never
/// contains secret bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {reason}")]
pub struct Error {
    kind: ErrorKind,
    reason: String,
}

impl Error {
    /// Builds an error of `kind` with a reason naming what was wrong.
    pub fn new(kind: ErrorKind, reason: impl Into<String>) -> Error {
        Error {
            kind,
            reason: reason.into(),
        }
    }

    /// The stable failure class.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What was wrong, for people.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub(crate) fn auth_failed(reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::AuthFailed, reason)
    }

    pub(crate) fn malformed(reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::Malformed, reason)
    }

    pub(crate) fn invalid_key(reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidKey, reason)
    }

    pub(crate) fn invalid_state(reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidState, reason)
    }
}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
