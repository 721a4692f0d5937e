//! `message_parse`: arbitrary bytes into `Message::parse` (framing only).
//!
//! A message parses exactly when it holds a header and a tag; then header bytes ‖ body is the
//! input, the header is the decoding of the first 40 bytes, and `Message::encode` gives the
//! input back. Shorter input is `malformed`.

use ratchet_ref::primitives::{Header, Message};
use ratchet_ref::{ErrorKind, Profile};

/// Runs the check; true when the input parsed.
pub fn check_message_parse(data: &[u8]) -> bool {
    let profile = Profile::spec();
    let min = Header::LEN + profile.aead.mac_len;
    match Message::parse(&profile, data) {
        Ok(message) => {
            assert!(data.len() >= min, "a {}-byte message parsed", data.len());
            assert_eq!(message.header_bytes.len(), Header::LEN);
            assert_eq!(message.header_bytes, &data[..Header::LEN]);
            assert_eq!(message.body, &data[Header::LEN..]);
            assert!(message.body.len() >= profile.aead.mac_len);
            assert_eq!(Header::decode(message.header_bytes), Ok(message.header));
            assert_eq!(&message.header.encode()[..], message.header_bytes);
            assert_eq!(Message::encode(&message.header, message.body), data);
            true
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Malformed, "unexpected error {e}");
            assert!(
                data.len() < min,
                "a {}-byte message was rejected: {e}",
                data.len()
            );
            false
        }
    }
}
