//! Requests and answers of a bench: every request names its profile, and every answer must
//! be a success holding the expected field as lowercase hex. Anything else the SUT writes is a
//! typed error naming the op, never a panic and never a number in the table.

use serde_json::Value;

use super::error::BenchError;
use crate::driver::{shorten, Answer, Driver};

/// One request of `profile`: `op` with `args` (an object) and the `profile` member.
pub fn request(profile: &str, op: &str, mut args: Value) -> (String, Value) {
    if let Value::Object(map) = &mut args {
        map.insert("profile".into(), Value::from(profile));
    }
    (op.to_string(), args)
}

/// The `ok` body of an answer to `op`; `what` says which request it was (for the error).
pub fn ok_body(answer: Answer, op: &'static str, what: &str) -> Result<Value, BenchError> {
    match answer {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(error)) => Err(BenchError::OpFailed {
            op,
            what: what.to_string(),
            kind: error.kind,
            message: error.message,
        }),
        Err(failure) => Err(BenchError::sut(op, failure)),
    }
}

/// The member `field` of an answer body, which must be a string of lowercase hex digits of
/// even length (a whole number of bytes).
fn validated<'b>(
    body: &'b Value,
    op: &'static str,
    what: &str,
    field: &str,
) -> Result<&'b str, BenchError> {
    let bad = |detail: String| BenchError::BadAnswer {
        op,
        what: what.to_string(),
        detail,
    };
    match body.get(field) {
        Some(Value::String(text)) if is_lowercase_hex(text) => Ok(text),
        Some(Value::String(text)) => Err(bad(format!(
            "{field:?} must be lowercase hex of whole bytes, got {}",
            shorten(&Value::String(text.clone()))
        ))),
        Some(other) => Err(bad(format!(
            "{field:?} must be a hex string, got {}",
            shorten(other)
        ))),
        None => Err(bad(format!(
            "the answer has no {field:?}: {}",
            shorten(body)
        ))),
    }
}

/// The hex string `field` of an answer body, as the SUT wrote it (to be compared or sent
/// back); anything else there is an error naming the op and the field.
pub fn hex_field(
    body: &Value,
    op: &'static str,
    what: &str,
    field: &str,
) -> Result<String, BenchError> {
    validated(body, op, what, field).map(str::to_string)
}

/// As [`hex_field`], but moves the string out of `body`: a batch's messages are kept without
/// a copy.
pub fn take_hex_field(
    body: &mut Value,
    op: &'static str,
    what: &str,
    field: &str,
) -> Result<String, BenchError> {
    validated(body, op, what, field)?;
    Ok(match body.get_mut(field) {
        Some(Value::String(text)) => std::mem::take(text),
        _ => String::new(),
    })
}

/// True for a string of `0-9a-f` of even length.
pub fn is_lowercase_hex(text: &str) -> bool {
    text.len().is_multiple_of(2)
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Sends one request and returns its `ok` body.
pub fn call_one(
    driver: &mut dyn Driver,
    (op, args): (String, Value),
    op_name: &'static str,
    what: &str,
) -> Result<Value, BenchError> {
    let answer = driver.call_batch(&[(op, args)]).pop().unwrap_or_else(|| {
        Err(crate::driver::SutFailure {
            diagnosis: "no_answer".into(),
            detail: format!("{op_name} got no answer"),
        })
    });
    ok_body(answer, op_name, what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::protocol::OpError;
    use crate::driver::SutFailure;
    use serde_json::json;

    #[test]
    fn only_lowercase_hex_of_whole_bytes_is_accepted() {
        assert!(is_lowercase_hex(""));
        assert!(is_lowercase_hex("00ff9a"));
        assert!(!is_lowercase_hex("0"));
        assert!(!is_lowercase_hex("AB"));
        assert!(!is_lowercase_hex("zz"));
        assert!(!is_lowercase_hex("é1"));
    }

    #[test]
    fn a_missing_or_mistyped_field_is_an_error_naming_the_op_and_field() {
        let e = hex_field(&json!({"msg": "00"}), "session_encrypt", "100B", "message").unwrap_err();
        assert!(matches!(
            e,
            BenchError::BadAnswer {
                op: "session_encrypt",
                ..
            }
        ));
        assert!(e.to_string().contains("\"message\""), "{e}");
        let e =
            hex_field(&json!({"message": 7}), "session_encrypt", "100B", "message").unwrap_err();
        assert!(e.to_string().contains("must be a hex string"), "{e}");
        let e = hex_field(
            &json!({"message": "0G"}),
            "session_encrypt",
            "100B",
            "message",
        )
        .unwrap_err();
        assert!(e.to_string().contains("lowercase hex"), "{e}");
        assert_eq!(
            hex_field(&json!({"message": "0a"}), "session_encrypt", "x", "message").unwrap(),
            "0a"
        );
        let mut body = json!({"message": "0a"});
        let taken = take_hex_field(&mut body, "session_encrypt", "x", "message").unwrap();
        assert_eq!((taken.as_str(), body), ("0a", json!({"message": ""})));
        let mut bad = json!({"message": "0A"});
        assert!(take_hex_field(&mut bad, "session_encrypt", "x", "message").is_err());
    }

    #[test]
    fn error_answers_and_sut_failures_become_typed_errors() {
        let e = ok_body(
            Ok(Err(OpError::new("auth_failed", "bad MAC"))),
            "session_decrypt",
            "1KiB",
        )
        .unwrap_err();
        assert_eq!(e.exit(), crate::run::exit_code::RunExit::TestsFailed);
        assert!(e.to_string().contains("session_decrypt (1KiB)"), "{e}");
        assert!(e.to_string().contains("auth_failed"), "{e}");
        let failure = SutFailure {
            diagnosis: "timeout".into(),
            detail: "no answer".into(),
        };
        let e = ok_body(Err(failure), "echo", "probe").unwrap_err();
        assert!(matches!(e, BenchError::Sut { op: "echo", .. }));
        let cut = SutFailure {
            diagnosis: crate::driver::subprocess::INTERRUPTED.into(),
            detail: "interrupted by SIGINT".into(),
        };
        let e = ok_body(Err(cut), "echo", "probe").unwrap_err();
        assert_eq!(e.exit(), crate::run::exit_code::RunExit::Interrupted);
    }

    #[test]
    fn requests_carry_their_profile() {
        let (op, args) = request("olm", "echo", json!({"data": "00"}));
        assert_eq!(op, "echo");
        assert_eq!(args, json!({"data": "00", "profile": "olm"}));
    }
}
