//! The `echo` op: the protocol's own cost, measured in the same run as the session ops so it
//! can be subtracted from them. The SUT decodes the request's `data` from hex and encodes it
//! again, so an echo costs what every byte field of a real op costs: the JSON parse, the hex
//! decode and encode, the pipe both ways, the write and the flush. Every answer is checked to
//! be exactly what was sent.

use serde_json::{json, Value};

use super::answers::{call_one, ok_body, request};
use super::error::BenchError;
use crate::driver::bounded_text::prefix;
use crate::driver::{shorten, Answer, Driver};

/// The op's name, as `hello` declares it.
pub const OP: &str = "echo";

/// How many bytes one echo carries so that its request and answer hold as many hex digits
/// as one `session_encrypt` (plaintext and associated data in, the message out) or one
/// `session_decrypt` (the message and associated data in, the plaintext out): the two ops
/// move the same bytes in opposite directions, so one echo size stands for both.
pub fn payload_len(plaintext: usize, ad: usize, message: usize) -> usize {
    (plaintext + ad + message).div_ceil(2)
}

/// `n` echo requests of `data` (hex).
pub fn requests(profile: &str, data: &str, n: usize) -> Vec<(String, Value)> {
    let one = request(profile, OP, json!({ "data": data }));
    vec![one; n]
}

/// Checks that every answer of a batch is `{"data": data}`.
pub fn check(answers: Vec<Answer>, data: &str, what: &str) -> Result<(), BenchError> {
    for (i, answer) in answers.into_iter().enumerate() {
        let body = ok_body(answer, OP, what)?;
        match body.get("data") {
            Some(Value::String(got)) if got == data => {}
            Some(Value::String(got)) => {
                return Err(BenchError::WrongEcho {
                    what: what.to_string(),
                    detail: format!("request {} of the batch: {}", i + 1, difference(data, got)),
                })
            }
            Some(other) => {
                return Err(BenchError::BadAnswer {
                    op: OP,
                    what: what.to_string(),
                    detail: format!("\"data\" must be a hex string, got {}", shorten(other)),
                })
            }
            None => {
                return Err(BenchError::BadAnswer {
                    op: OP,
                    what: what.to_string(),
                    detail: format!("the answer has no \"data\": {}", shorten(&body)),
                })
            }
        }
    }
    Ok(())
}

/// Where `got` (untrusted) departs from `sent`, shortened on character boundaries.
fn difference(sent: &str, got: &str) -> String {
    let mut at = sent
        .bytes()
        .zip(got.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(sent.len().min(got.len()));
    while !got.is_char_boundary(at) {
        at -= 1;
    }
    format!(
        "sent {} hex digits, got {} characters; first difference at character {at}: sent {:?}, got {:?}",
        sent.len(),
        got.len(),
        prefix(sent.get(at..).unwrap_or(""), 16),
        prefix(&got[at..], 16)
    )
}

/// One echo of every byte value before anything is measured, so a wrong echo is found before
/// sessions are made.
pub fn probe(driver: &mut dyn Driver, profile: &str) -> Result<(), BenchError> {
    let bytes: Vec<u8> = (0..=255u8).collect();
    let data = hex::encode(bytes);
    let what = "probe of every byte value";
    let body = call_one(
        driver,
        request(profile, OP, json!({ "data": data })),
        OP,
        what,
    )?;
    check(vec![Ok(Ok(body))], &data, what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::protocol::OpError;

    #[test]
    fn the_payload_carries_the_bytes_of_an_encrypt_or_a_decrypt() {
        // 100-byte plaintext, 64 bytes of AD, a 184-byte message: 348 bytes in and out.
        assert_eq!(payload_len(100, 64, 184), 174);
        assert_eq!(payload_len(1, 0, 0), 1);
        assert_eq!(payload_len(0, 0, 0), 0);
    }

    #[test]
    fn an_exact_echo_passes_and_a_wrong_one_is_a_named_error() {
        let data = "00ff10";
        let exact = || Ok(Ok(json!({ "data": data })));
        assert_eq!(check(vec![exact(), exact()], data, "100B"), Ok(()));

        let wrong = check(
            vec![exact(), Ok(Ok(json!({"data": "00fe10"})))],
            data,
            "100B",
        );
        let e = wrong.unwrap_err();
        assert!(matches!(e, BenchError::WrongEcho { .. }), "{e:?}");
        let text = e.to_string();
        assert!(text.starts_with("echo (100B)"), "{text}");
        assert!(text.contains("request 2 of the batch"), "{text}");
        assert!(text.contains("character 3"), "{text}");

        let upper = check(vec![Ok(Ok(json!({"data": "00FF10"})))], data, "100B");
        assert!(matches!(upper, Err(BenchError::WrongEcho { .. })));
        let missing = check(vec![Ok(Ok(json!({})))], data, "100B");
        assert!(matches!(missing, Err(BenchError::BadAnswer { op: OP, .. })));
        let refused = check(
            vec![Ok(Err(OpError::new("unsupported", "unknown op")))],
            data,
            "100B",
        );
        assert!(matches!(refused, Err(BenchError::OpFailed { op: OP, .. })));
    }

    #[test]
    fn a_difference_in_multi_byte_text_is_shown_without_splitting_a_character() {
        let shown = difference("00aa", "00é€😀");
        assert!(shown.contains("character 2"), "{shown}");
    }

    #[test]
    fn the_reference_echoes_exactly() {
        let mut driver = crate::driver::InProcess::new(crate::driver::sut::ReferenceSut::new(
            ratchet_ref::Profile::spec(),
        ));
        assert_eq!(probe(&mut driver, "spec"), Ok(()));
        assert_eq!(probe(&mut driver, "olm"), Ok(()));
    }
}
