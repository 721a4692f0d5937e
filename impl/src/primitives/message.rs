//! Message framing: an encrypted message on the wire is header ‖ ciphertext ‖ tag. Parsing
//! only checks what can be checked before authentication: that a header and a tag fit.

use super::header::Header;
use crate::error::{Error, Result};
use crate::profile::Profile;

/// A parsed message borrowing from the received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// The decoded header.
    pub header: Header,
    /// The header bytes as received (they enter the associated data).
    pub header_bytes: &'a [u8],
    /// Ciphertext ‖ tag.
    pub body: &'a [u8],
}

impl<'a> Message<'a> {
    /// Splits `bytes` into header and body; `malformed` when shorter than header plus tag.
    pub fn parse(profile: &Profile, bytes: &'a [u8]) -> Result<Message<'a>> {
        let min = Header::LEN + profile.aead.mac_len;
        if bytes.len() < min {
            return Err(Error::malformed(format!(
                "a message is at least {min} bytes (header and tag), got {}",
                bytes.len()
            )));
        }
        let (header_bytes, body) = bytes.split_at(Header::LEN);
        Ok(Message {
            header: Header::decode(header_bytes)?,
            header_bytes,
            body,
        })
    }

    /// Frames a header and an ENCRYPT output.
    pub fn encode(header: &Header, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(Header::LEN + body.len());
        out.extend_from_slice(&header.encode());
        out.extend_from_slice(body);
        out
    }
}
