//! `driver_request`: arbitrary bytes as request lines into the reference SUT's stdin loop
//! (`ratchet-harness sut`), after a fixed set-up that opens sessions `a` (initiator) and `b`
//! (responder) so session ops reach real state.
//!
//! Invariants: no panic; exactly one response line per non-blank request line; every
//! response is a well-formed protocol response; a request that carries a non-negative
//! integer `id` gets that id back.
//!
//! Shared by the libFuzzer wrapper and by `harness/tests/fuzz_driver_request.rs` (included
//! with `#[path]`), so it uses only std, `ratchet_harness`, `ratchet_ref` and `serde_json`.

use ratchet_harness::driver::protocol::Response;
use ratchet_harness::driver::sut::stdio::serve;
use ratchet_harness::driver::sut::ReferenceSut;
use ratchet_ref::Profile;

/// Opens the two sessions the fuzzed lines can address.
const SETUP: &str = concat!(
    r#"{"id":1,"op":"session_create","session":"a","role":"initiator","sk":"4242424242424242424242424242424242424242424242424242424242424242","peerRatchetKey":"25f3b4b3a1d6e0c5f1c1a9a2d5f0f2b1e4b0c6b4a1b9e8d7c6b5a4f3e2d1c0b9","keys":["0101010101010101010101010101010101010101010101010101010101010101"]}"#,
    "\n",
    r#"{"id":2,"op":"session_create","session":"b","role":"responder","sk":"4242424242424242424242424242424242424242424242424242424242424242","ratchetPrivate":"0202020202020202020202020202020202020202020202020202020202020202"}"#,
    "\n",
);

/// Runs the check; returns how many responses the fuzzed lines got.
pub fn check_driver_request(data: &[u8]) -> usize {
    let mut input = SETUP.as_bytes().to_vec();
    input.extend_from_slice(data);
    let mut sut = ReferenceSut::new(Profile::spec());
    let mut output = Vec::new();
    serve(&mut sut, input.as_slice(), &mut output).expect("writing to a Vec cannot fail");
    let text = String::from_utf8(output).expect("responses are UTF-8");
    let responses: Vec<&str> = text.lines().collect();

    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        lines.pop();
    }
    let expected: Vec<&[u8]> = lines
        .into_iter()
        .filter(|line| !matches!(std::str::from_utf8(line), Ok(t) if t.trim().is_empty()))
        .collect();
    assert_eq!(
        responses.len(),
        2 + expected.len(),
        "{} request lines (after set-up) got {} responses",
        expected.len(),
        responses.len().saturating_sub(2)
    );
    for response in &responses[..2] {
        let parsed = Response::parse(response).expect("set-up responses parse");
        assert!(parsed.outcome.is_ok(), "set-up failed: {response}");
    }
    for (line, response) in expected.iter().zip(&responses[2..]) {
        let parsed = Response::parse(response)
            .unwrap_or_else(|e| panic!("malformed response {response:?}: {e}"));
        let sent_id = std::str::from_utf8(line)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t.trim_end_matches('\r')).ok())
            .and_then(|v| v.get("id").and_then(serde_json::Value::as_u64));
        if let Some(id) = sent_id {
            assert_eq!(
                parsed.id,
                Some(id),
                "request id {id} answered as {:?}",
                parsed.id
            );
        }
    }
    expected.len()
}
