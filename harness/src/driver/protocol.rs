//! The driver protocol's envelope: one JSON object per line each way (see
//! `harness/PROTOCOL.md`). Requests are `{"id", "op", ...args}`; responses are
//! `{"id", "ok": {...}}` or `{"id", "error": {"kind", "message"}}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version this build speaks; `hello` carries it both ways.
pub const PROTOCOL_VERSION: u32 = 1;

/// Longest line either side may send, in bytes (a 64 KiB plaintext as hex plus framing fits
/// with room to spare). Longer lines are a protocol violation.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Error kinds of the protocol itself, beside the cryptographic ones of
/// [`ratchet_ref::ErrorKind`].
pub mod protocol_error {
    /// The request is not valid JSON, lacks `id` or `op`, or an argument is missing or of the
    /// wrong type.
    pub const BAD_REQUEST: &str = "bad_request";
    /// The SUT does not implement this op (it should not have been sent: see `hello`).
    pub const UNSUPPORTED: &str = "unsupported";
    /// The request names a session that does not exist.
    pub const UNKNOWN_SESSION: &str = "unknown_session";
}

/// One request: the op, its id, and its arguments (every other member of the object).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: u64,
    pub op: String,
    pub args: Map<String, Value>,
}

impl Request {
    /// A request with arguments from a JSON object.
    pub fn new(id: u64, op: &str, args: Value) -> Request {
        let args = match args {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Request {
            id,
            op: op.to_string(),
            args,
        }
    }

    /// The single-line JSON form.
    pub fn to_line(&self) -> String {
        let mut object = Map::new();
        object.insert("id".into(), Value::from(self.id));
        object.insert("op".into(), Value::from(self.op.clone()));
        for (key, value) in &self.args {
            object.insert(key.clone(), value.clone());
        }
        Value::Object(object).to_string()
    }
}

/// A failure reported by a SUT (or by the reference when it plays one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpError {
    pub kind: String,
    pub message: String,
}

impl OpError {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> OpError {
        OpError {
            kind: kind.into(),
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> OpError {
        OpError::new(protocol_error::BAD_REQUEST, message)
    }

    /// The error cut to the documented bounds (see [`crate::driver::bounded_text`]): a SUT's error
    /// is stored in reports, so its size must not be the SUT's choice.
    pub fn bounded(mut self) -> OpError {
        use crate::driver::bounded_text::{bound, MAX_ERROR_KIND, MAX_ERROR_MESSAGE};
        bound(&mut self.kind, MAX_ERROR_KIND);
        bound(&mut self.message, MAX_ERROR_MESSAGE);
        self
    }
}

impl From<ratchet_ref::Error> for OpError {
    fn from(error: ratchet_ref::Error) -> OpError {
        OpError::new(error.kind().as_str(), error.reason())
    }
}

/// A response line, as parsed by the harness.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub id: Option<u64>,
    pub outcome: Result<Value, OpError>,
}

impl Response {
    /// The single-line JSON form of a response to request `id` (None when the request's id
    /// could not be read).
    pub fn line(id: Option<u64>, outcome: &Result<Value, OpError>) -> String {
        let mut object = Map::new();
        object.insert("id".into(), id.map(Value::from).unwrap_or(Value::Null));
        match outcome {
            Ok(value) => object.insert("ok".into(), value.clone()),
            Err(error) => object.insert(
                "error".into(),
                serde_json::json!({"kind": error.kind, "message": error.message}),
            ),
        };
        Value::Object(object).to_string()
    }

    /// Parses a response line; the error says what is wrong with it.
    pub fn parse(line: &str) -> Result<Response, String> {
        let value: Value =
            serde_json::from_str(line).map_err(|e| format!("response is not JSON: {e}"))?;
        let Value::Object(mut object) = value else {
            return Err("response is not a JSON object".into());
        };
        let id = match object.remove("id") {
            Some(Value::Number(n)) => Some(
                n.as_u64()
                    .ok_or_else(|| format!("response id {n} is not a non-negative integer"))?,
            ),
            Some(Value::Null) => None,
            Some(other) => return Err(format!("response id {other} is not an integer")),
            None => return Err("response has no \"id\"".into()),
        };
        match (object.remove("ok"), object.remove("error")) {
            (Some(ok), None) => Ok(Response {
                id,
                outcome: Ok(ok),
            }),
            (None, Some(error)) => {
                let error: OpError = serde_json::from_value(error).map_err(|e| {
                    format!("response \"error\" must be {{\"kind\", \"message\"}} strings: {e}")
                })?;
                Ok(Response {
                    id,
                    outcome: Err(error),
                })
            }
            (Some(_), Some(_)) => Err("response has both \"ok\" and \"error\"".into()),
            (None, None) => Err("response has neither \"ok\" nor \"error\"".into()),
        }
    }
}
