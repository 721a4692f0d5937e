//! Stage 1 of 3, the bottom: talking to an implementation. The driver protocol's envelope
//! (`protocol`), byte fields as hex (`hex_bytes`), the [`Driver`] trait and the in-process
//! driver (this file), a SUT in a child process (`subprocess`), and the reference behind the
//! protocol (`sut`: reference, stdio server, mutants, request arguments). It imports nothing
//! from the other stages; `vectors` and `run` build on it.
//!
//! A driver sends protocol requests to an implementation and returns its answers: the
//! in-process reference, or (see `subprocess`) any implementation behind stdin/stdout.

pub mod bounded_text;
pub mod hex_bytes;
pub mod interruption;
pub mod own_randomness;
pub mod profile_scope;
pub mod protocol;
pub mod signals;
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
    /// Reads the `ok` body of a `hello` response. A member of the wrong type or range is an
    /// error naming it (a SUT protocol error), never silently treated as absent: a
    /// `maxSkip` of `-1` or `"1000"` must not quietly skip the `max_skip` scenario.
    pub fn from_hello(body: &Value) -> Result<Capabilities, String> {
        use crate::driver::bounded_text::{bounded, MAX_LABEL};
        if !body.is_object() {
            return Err(format!(
                "hello: the answer must be an object, got {}",
                crate::driver::shorten(body)
            ));
        }
        let shown = |v: &Value| crate::driver::shorten(v);
        let text = |key: &str, required: bool| -> Result<Option<String>, String> {
            match body.get(key) {
                None if required => Err(format!("hello: {key:?} (string) is missing")),
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(bounded(s, MAX_LABEL))),
                Some(other) => Err(format!(
                    "hello: {key:?} must be a string, got {}",
                    shown(other)
                )),
            }
        };
        let flag = |key: &str| -> Result<bool, String> {
            match body.get(key) {
                None => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(other) => Err(format!(
                    "hello: {key:?} must be true or false, got {}",
                    shown(other)
                )),
            }
        };
        let names = |key: &str, what: &str| -> Result<Vec<String>, String> {
            let list = body
                .get(key)
                .and_then(Value::as_array)
                .ok_or(format!("hello: {key:?} (array of {what}) is missing"))?;
            list.iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_string).ok_or(format!(
                        "hello: {key}[{i}] must be a string ({what}), got {}",
                        shown(v)
                    ))
                })
                .collect()
        };
        match body.get("protocolVersion") {
            Some(v) if v.as_u64().is_some() => {}
            Some(other) => {
                return Err(format!(
                    "hello: \"protocolVersion\" must be a non-negative integer, got {}",
                    shown(other)
                ))
            }
            None => {
                return Err(format!(
                    "hello: \"protocolVersion\" (integer, {}) is missing",
                    crate::driver::protocol::PROTOCOL_VERSION
                ))
            }
        }
        let name = text("name", true)?.unwrap_or_default();
        let ops: BTreeSet<String> = names("ops", "op names")?.into_iter().collect();
        let profiles = names("profiles", "profile names")?;
        let limits = match body.get("limits") {
            None => None,
            Some(l) if l.is_object() => Some(l),
            Some(other) => {
                return Err(format!(
                    "hello: \"limits\" must be an object, got {}",
                    shown(other)
                ))
            }
        };
        // maxSkip bounds a message counter (u32 in every profile); so does the store's size
        // (the harness plans that many late messages, each a u32 counter).
        let limit_in = |limits: Option<&Value>,
                        place: &str,
                        key: &str,
                        max: u64|
         -> Result<Option<u64>, String> {
            match limits.and_then(|l| l.get(key)) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => match v.as_u64() {
                    Some(n) if n <= max => Ok(Some(n)),
                    _ => Err(format!(
                        "hello: {place}.{key} must be an integer from 0 to {max}, got {}",
                        shown(v)
                    )),
                },
            }
        };
        let not_applicable = match body.get("notApplicable") {
            None => Vec::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(reason) => {
                        Ok((bounded(k, MAX_LABEL), bounded(reason, MAX_LABEL)))
                    }
                    other => Err(format!(
                        "hello: notApplicable.{} must be a string (the reason), got {}",
                        bounded(k, MAX_LABEL),
                        shown(other)
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "hello: \"notApplicable\" must be an object (op or kind → reason), got {}",
                    shown(other)
                ))
            }
        };
        let limits_by_profile = match body.get("limitsByProfile") {
            None => Vec::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(name, l)| {
                    if !l.is_object() {
                        return Err(format!(
                            "hello: limitsByProfile.{} must be an object, got {}",
                            bounded(name, MAX_LABEL),
                            shown(l)
                        ));
                    }
                    let place = format!("limitsByProfile.{}", bounded(name, MAX_LABEL));
                    Ok((
                        bounded(name, MAX_LABEL),
                        limit_in(Some(l), &place, "maxSkip", u64::from(u32::MAX))?,
                        limit_in(Some(l), &place, "maxStoredKeys", u64::from(u32::MAX))?,
                    ))
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "hello: \"limitsByProfile\" must be an object (profile → limits), got {}",
                    shown(other)
                ))
            }
        };
        Ok(Capabilities {
            name,
            version: text("version", false)?.unwrap_or_default(),
            profiles,
            ops,
            max_skip: limit_in(limits, "limits", "maxSkip", u64::from(u32::MAX))?,
            max_stored_keys: limit_in(limits, "limits", "maxStoredKeys", u64::from(u32::MAX))?,
            inject_keys: flag("injectKeys")?,
            export_state: flag("exportState")?,
            import_state: flag("importState")?,
            not_applicable,
            limits_by_profile,
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

    /// The capabilities of a SUT that has not said anything (yet): no ops, no profiles.
    pub fn unknown() -> Capabilities {
        Capabilities {
            name: "(unknown)".into(),
            version: String::new(),
            profiles: Vec::new(),
            ops: BTreeSet::new(),
            max_skip: None,
            max_stored_keys: None,
            inject_keys: false,
            export_state: false,
            import_state: false,
            not_applicable: Vec::new(),
            limits_by_profile: Vec::new(),
        }
    }

    /// A SUT that can do everything: planning a vector file for it reaches every check, so
    /// whatever cannot be planned is the file's fault (used to validate files up front).
    pub fn everything() -> Capabilities {
        Capabilities {
            ops: crate::driver::sut::reference::OPS
                .iter()
                .map(|op| op.to_string())
                .collect(),
            inject_keys: true,
            export_state: true,
            import_state: true,
            max_skip: Some(u64::from(u32::MAX)),
            max_stored_keys: Some(u64::from(u32::MAX)),
            ..Capabilities::unknown()
        }
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
/// Values come from the SUT and from vector files, so the cut is on a character boundary
/// and keeps at most [`bounded_text::MAX_VALUE`] bytes.
pub fn shorten(value: &Value) -> String {
    let owned;
    let text = match value {
        Value::String(s) => s.as_str(),
        other => {
            owned = other.to_string();
            owned.as_str()
        }
    };
    if text.len() > 160 {
        format!(
            "{}… ({} chars)",
            bounded_text::prefix(text, bounded_text::MAX_VALUE),
            text.chars().count()
        )
    } else {
        text.to_string()
    }
}
