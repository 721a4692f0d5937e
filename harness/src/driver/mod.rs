//! Stage 1 of 3, the bottom: talking to an implementation. The driver protocol's envelope
//! (`protocol`), byte fields as hex (`hex_bytes`), the [`Driver`] trait and the in-process
//! driver (this file), a SUT in a child process (`subprocess`), and the reference behind the
//! protocol (`sut`: reference, stdio server, mutants, request arguments). It imports nothing
//! from the other stages; `vectors` and `run` build on it.
//!
//! A driver sends protocol requests to an implementation and returns its answers: the
//! in-process reference, or (see `subprocess`) any implementation behind stdin/stdout.

pub mod hex_bytes;
pub mod profile_scope;
pub mod protocol;
pub mod subprocess;
pub mod sut;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::driver::protocol::{OpError, Request};
use crate::driver::sut::ReferenceSut;

/// What a SUT declared in `hello`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    pub name: String,
    pub version: String,
    pub profiles: Vec<String>,
    pub ops: BTreeSet<String>,
    pub max_skip: Option<u64>,
    pub max_stored_keys: Option<u64>,
    pub inject_keys: bool,
    pub export_state: bool,
    pub import_state: bool,
    /// Declared reasons why some ops or kinds are not supported (op or kind → reason).
    pub not_applicable: Vec<(String, String)>,
    /// `limitsByProfile`: a SUT serving several profiles may give each its own limits
    /// (profile → maxSkip, maxStoredKeys); `limits` holds for the others.
    pub limits_by_profile: Vec<(String, Option<u64>, Option<u64>)>,
}

impl Capabilities {
    /// Reads the `ok` body of a `hello` response.
    pub fn from_hello(body: &Value) -> Result<Capabilities, String> {
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
        let flag = |key: &str| body.get(key).and_then(Value::as_bool).unwrap_or(false);
        let name = text("name").ok_or("hello: \"name\" (string) is missing")?;
        let ops: BTreeSet<String> = body
            .get("ops")
            .and_then(Value::as_array)
            .ok_or("hello: \"ops\" (array of op names) is missing")?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let profiles = body
            .get("profiles")
            .and_then(Value::as_array)
            .ok_or("hello: \"profiles\" (array of profile names) is missing")?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let limits = body.get("limits");
        let not_applicable = body
            .get("notApplicable")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Capabilities {
            name,
            version: text("version").unwrap_or_default(),
            profiles,
            ops,
            max_skip: limits
                .and_then(|l| l.get("maxSkip"))
                .and_then(Value::as_u64),
            max_stored_keys: limits
                .and_then(|l| l.get("maxStoredKeys"))
                .and_then(Value::as_u64),
            inject_keys: flag("injectKeys"),
            export_state: flag("exportState"),
            import_state: flag("importState"),
            not_applicable,
            limits_by_profile: body
                .get("limitsByProfile")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(name, l)| {
                            (
                                name.clone(),
                                l.get("maxSkip").and_then(Value::as_u64),
                                l.get("maxStoredKeys").and_then(Value::as_u64),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// These capabilities as they hold for `profile`: its own limits where the SUT gave them.
    pub fn for_profile(&self, profile: &str) -> Capabilities {
        let mut caps = self.clone();
        if let Some((_, max_skip, max_stored)) = self
            .limits_by_profile
            .iter()
            .find(|(name, _, _)| name == profile)
        {
            caps.max_skip = *max_skip;
            caps.max_stored_keys = *max_stored;
        }
        caps
    }

    /// True when the SUT declared `op`.
    pub fn supports(&self, op: &str) -> bool {
        self.ops.contains(op)
    }

    /// The reason the SUT gave for not supporting `op` or a kind, if any.
    pub fn reason_for(&self, what: &str) -> Option<&str> {
        self.not_applicable
            .iter()
            .find(|(k, _)| k == what)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request got no usable answer: the SUT itself misbehaved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SutFailure {
    /// Short name of the misbehaviour (`exited`, `timeout`, `not_json`, `wrong_id`, ...).
    pub diagnosis: String,
    pub detail: String,
}

/// The answer to one request: the SUT's outcome, or a diagnosis of the SUT.
pub type Answer = Result<Result<Value, OpError>, SutFailure>;

/// Sends requests to an implementation.
pub trait Driver {
    /// The capabilities declared in `hello`.
    fn capabilities(&self) -> &Capabilities;

    /// Sends a batch of requests (possibly pipelined) and returns one answer per request,
    /// in order. After a [`SutFailure`], later answers in the batch are failures too.
    fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer>;
}

/// The reference implementation, called in-process.
pub struct InProcess {
    sut: ReferenceSut,
    capabilities: Capabilities,
    next_id: u64,
}

impl InProcess {
    pub fn new(sut: ReferenceSut) -> InProcess {
        let mut sut = sut;
        let hello = sut
            .handle(&Request::new(0, "hello", Value::Null))
            .unwrap_or(Value::Null);
        let capabilities = Capabilities::from_hello(&hello)
            .unwrap_or_else(|e| unreachable!("the reference's hello is well-formed: {e}"));
        InProcess {
            sut,
            capabilities,
            next_id: 1,
        }
    }
}

impl Driver for InProcess {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
        requests
            .iter()
            .map(|(op, args)| {
                let request = Request::new(self.next_id, op, args.clone());
                self.next_id += 1;
                Ok(self.sut.handle(&request))
            })
            .collect()
    }
}

/// Shortens long values for reports: the first differing region matters, not 128 KiB of hex.
pub fn shorten(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.len() > 160 {
        format!("{}… ({} chars)", &text[..120], text.len())
    } else {
        text
    }
}
