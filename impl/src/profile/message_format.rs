//! How a message is laid out on the wire and what its MAC covers: the fixed 40-byte header
//! of the `spec` profile (DR spec sections 3.1 and 5.2, tag over AD ‖ header ‖ ciphertext),
//! or Olm's version byte ‖ protobuf-style fields ‖ truncated MAC over everything before it
//! (olm.md, "The Olm Message Format"), or libsignal's v3 protobuf messages with a MAC over
//! both identity keys. The session asks this variant to encode and parse.

use serde::Serialize;

/// The fixed header layout (`spec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FixedHeaderFormat {
    /// Header = DH public key (32 raw bytes) ‖ PN (u32 big-endian) ‖ N (u32 big-endian).
    pub header_len: usize,
    /// CONCAT(ad, header) = ad ‖ header. The header has a fixed length, so the pair is
    /// uniquely parseable without a length prefix.
    pub concat: &'static str,
    /// Message = header ‖ ciphertext ‖ tag.
    pub framing: &'static str,
}

/// Olm's message layout (version 1 of Olm's authenticated encryption, protocol version 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OlmMessageFormat {
    /// The first byte of every normal and pre-key message.
    pub version_byte: u8,
    /// Message = version ‖ payload ‖ MAC.
    pub framing: &'static str,
    /// Payload fields in order (tag, name, type).
    pub fields: &'static str,
    /// Pre-key message = version ‖ payload (no outer MAC).
    pub pre_key_framing: &'static str,
    /// Pre-key payload fields in order.
    pub pre_key_fields: &'static str,
    /// The MAC is HMAC-SHA256(auth key, these bytes), truncated to `aead.macLen`.
    pub mac_input: &'static str,
    /// Width of the chain index in bits: an index that does not fit is `malformed`.
    pub chain_index_bits: u32,
    /// What the decoder refuses, and what it may skip.
    pub decoding: &'static str,
}

/// libsignal's v3 message layout ([`crate::primitives::signal_message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalMessageFormat {
    /// The first byte of every SignalMessage and PreKeySignalMessage (major 3, current 3).
    pub version_byte: u8,
    /// Message = version ‖ protobuf ‖ MAC.
    pub framing: &'static str,
    /// SignalMessage fields (number, name, type).
    pub fields: &'static str,
    /// PreKeySignalMessage fields.
    pub pre_key_fields: &'static str,
    /// The MAC is HMAC-SHA256(mac key, these bytes), truncated to `aead.macLen`.
    pub mac_input: &'static str,
    /// What a decoder accepts and refuses.
    pub decoding: &'static str,
}

/// The message format variant. Serialized untagged under `wire`, so `spec` keeps its
/// historical object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MessageFormat {
    /// Fixed 40-byte header ‖ ciphertext ‖ tag; the header carries PN.
    FixedHeader(FixedHeaderFormat),
    /// Olm: version ‖ {ratchet key, chain index, ciphertext} ‖ MAC; no PN.
    Olm(OlmMessageFormat),
    /// libsignal v3: version ‖ protobuf {ratchet key, counter, previous counter, ciphertext}
    /// ‖ MAC over both identity keys and the rest.
    Signal(SignalMessageFormat),
}

impl MessageFormat {
    /// True when the header carries PN (the length of the sender's previous chain).
    pub fn has_pn(&self) -> bool {
        matches!(
            self,
            MessageFormat::FixedHeader(_) | MessageFormat::Signal(_)
        )
    }

    /// The largest message number the format can carry.
    pub fn max_counter(&self) -> u64 {
        match self {
            MessageFormat::FixedHeader(_) | MessageFormat::Signal(_) => u64::from(u32::MAX),
            MessageFormat::Olm(format) => {
                if format.chain_index_bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << format.chain_index_bits) - 1
                }
            }
        }
    }
}
