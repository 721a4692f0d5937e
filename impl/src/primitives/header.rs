//! HEADER and CONCAT (DR spec sections 3.1 and 5.2).
//!
//! Header encoding: DH ratchet public key (32 raw bytes) ‖ PN (u32 big-endian) ‖ N (u32
//! big-endian), 40 bytes. CONCAT(ad, header) = ad ‖ encoded header: the header's fixed length
//! makes the pair uniquely parseable without a length prefix.

use super::dh::DhPublicKey;
use crate::error::{Error, Result};

/// A message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The sender's current ratchet public key.
    pub dh: DhPublicKey,
    /// Number of messages in the sender's previous sending chain.
    pub pn: u32,
    /// Message number in the current sending chain.
    pub n: u32,
}

impl Header {
    /// Encoded length in bytes.
    pub const LEN: usize = 40;

    /// The 40-byte encoding.
    pub fn encode(&self) -> [u8; Header::LEN] {
        let mut out = [0u8; Header::LEN];
        out[..32].copy_from_slice(&self.dh.0);
        out[32..36].copy_from_slice(&self.pn.to_be_bytes());
        out[36..40].copy_from_slice(&self.n.to_be_bytes());
        out
    }

    /// Decodes exactly 40 bytes; any other length is `malformed`.
    pub fn decode(bytes: &[u8]) -> Result<Header> {
        if bytes.len() != Header::LEN {
            return Err(Error::malformed(format!(
                "a header is {} bytes, got {}",
                Header::LEN,
                bytes.len()
            )));
        }
        let mut dh = [0u8; 32];
        dh.copy_from_slice(&bytes[..32]);
        let mut pn = [0u8; 4];
        pn.copy_from_slice(&bytes[32..36]);
        let mut n = [0u8; 4];
        n.copy_from_slice(&bytes[36..40]);
        Ok(Header {
            dh: DhPublicKey(dh),
            pn: u32::from_be_bytes(pn),
            n: u32::from_be_bytes(n),
        })
    }
}

/// CONCAT(ad, header) = ad ‖ header.
pub fn concat(ad: &[u8], header: &Header) -> Vec<u8> {
    let mut out = Vec::with_capacity(ad.len() + Header::LEN);
    out.extend_from_slice(ad);
    out.extend_from_slice(&header.encode());
    out
}
