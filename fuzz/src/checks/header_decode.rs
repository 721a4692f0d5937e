//! `header_decode`: arbitrary bytes into `Header::decode`.
//!
//! Exactly the 40-byte inputs decode, every header that decodes re-encodes to the same bytes,
//! and anything else is `malformed`. CONCAT(ad, header) is `ad ‖ header` for the decoded
//! header (the input doubles as the AD).

use ratchet_ref::primitives::{concat, Header};
use ratchet_ref::ErrorKind;

/// Runs the check; true when the input decoded.
pub fn check_header_decode(data: &[u8]) -> bool {
    match Header::decode(data) {
        Ok(header) => {
            assert_eq!(
                data.len(),
                Header::LEN,
                "a {}-byte header decoded",
                data.len()
            );
            let encoded = header.encode();
            assert_eq!(&encoded[..], data, "encode(decode(b)) != b");
            assert_eq!(
                Header::decode(&encoded),
                Ok(header),
                "decode(encode(h)) != h"
            );
            assert_eq!(&header.dh.0[..], &data[..32]);
            assert_eq!(header.pn.to_be_bytes(), data[32..36]);
            assert_eq!(header.n.to_be_bytes(), data[36..40]);
            let joined = concat(data, &header);
            assert_eq!(joined.len(), 2 * Header::LEN);
            assert_eq!(&joined[..Header::LEN], data);
            assert_eq!(&joined[Header::LEN..], data);
            true
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Malformed, "unexpected error {e}");
            assert_ne!(
                data.len(),
                Header::LEN,
                "a 40-byte header was rejected: {e}"
            );
            false
        }
    }
}
