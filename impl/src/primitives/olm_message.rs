//! Olm's message formats (olm.md, "The Olm Message Format"): a normal message is
//! version ‖ payload ‖ MAC, a pre-key message is version ‖ payload; payloads are key-value
//! pairs whose keys are varint tags (field number << 3 | wire type, wire type 0 for a varint
//! and 2 for a length-prefixed string), as in protocol buffers.
//!
//! The decoder is strict where olm.md leaves no room and lenient where it follows protocol
//! buffers: the version byte must be 0x03; every known field must appear exactly once with its
//! declared wire type; keys are 32 bytes; varints must be minimal (no trailing zero groups) and
//! fit the field (a chain index beyond the profile's counter width is `malformed`); fields with
//! unknown numbers and wire type 0 or 2 are skipped; any other wire type, a string running past
//! the end or a truncated varint is `malformed`. Parsing never allocates.

use super::dh::DhPublicKey;
use crate::error::{Error, Result};

/// Field tags of a normal message.
pub const RATCHET_KEY_TAG: u8 = 0x0a;
/// Chain index (varint).
pub const CHAIN_INDEX_TAG: u8 = 0x10;
/// Ciphertext (string).
pub const CIPHERTEXT_TAG: u8 = 0x22;
/// Field tags of a pre-key message.
pub const ONE_TIME_KEY_TAG: u8 = 0x0a;
/// Base key (string).
pub const BASE_KEY_TAG: u8 = 0x12;
/// Identity key (string).
pub const IDENTITY_KEY_TAG: u8 = 0x1a;
/// Embedded normal message (string).
pub const MESSAGE_TAG: u8 = 0x22;

/// The most bytes a 64-bit varint takes.
const MAX_VARINT_LEN: usize = 10;

/// Appends `value` as a minimal varint (seven bits a byte, least significant first).
pub fn encode_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Decodes a minimal varint at the start of `bytes`; returns it and its length.
pub fn decode_varint(bytes: &[u8]) -> Result<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(MAX_VARINT_LEN) {
        let group = u64::from(byte & 0x7f);
        if i == MAX_VARINT_LEN - 1 && group > 1 {
            return Err(Error::malformed("varint overflows 64 bits"));
        }
        value |= group << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && group == 0 {
                return Err(Error::malformed(format!(
                    "overlong varint: {} bytes where {} suffice",
                    i + 1,
                    i
                )));
            }
            return Ok((value, i + 1));
        }
    }
    if bytes.len() >= MAX_VARINT_LEN {
        Err(Error::malformed("varint overflows 64 bits"))
    } else {
        Err(Error::malformed("truncated varint"))
    }
}

/// Appends a length-prefixed string field.
fn encode_string(tag: u8, value: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    encode_varint(value.len() as u64, out);
    out.extend_from_slice(value);
}

/// One field value as read.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

/// Reads every field of a payload, calling `field(tag, value)` for each; unknown fields are
/// the callback's to ignore.
fn read_fields<'a>(
    mut payload: &'a [u8],
    mut field: impl FnMut(u64, Value<'a>) -> Result<()>,
) -> Result<()> {
    while !payload.is_empty() {
        let (tag, len) = decode_varint(payload)?;
        payload = &payload[len..];
        let value = match tag & 0x7 {
            0 => {
                let (value, len) = decode_varint(payload)?;
                payload = &payload[len..];
                Value::Varint(value)
            }
            2 => {
                let (length, len) = decode_varint(payload)?;
                payload = &payload[len..];
                let length = usize::try_from(length)
                    .ok()
                    .filter(|&l| l <= payload.len())
                    .ok_or_else(|| {
                        Error::malformed(format!(
                            "field with tag 0x{tag:02x} claims {length} bytes, {} remain",
                            payload.len()
                        ))
                    })?;
                let (value, rest) = payload.split_at(length);
                payload = rest;
                Value::Bytes(value)
            }
            wire_type => {
                return Err(Error::malformed(format!(
                    "field with tag 0x{tag:02x} has wire type {wire_type}; Olm uses 0 and 2"
                )))
            }
        };
        field(tag, value)?;
    }
    Ok(())
}

/// Stores a known field's value once; a repeat or a wrong type is `malformed`.
fn set_once<'a, T>(
    slot: &mut Option<T>,
    name: &str,
    value: Value<'a>,
    take: impl FnOnce(Value<'a>) -> Option<T>,
) -> Result<()> {
    if slot.is_some() {
        return Err(Error::malformed(format!("field {name} appears twice")));
    }
    *slot = Some(
        take(value).ok_or_else(|| Error::malformed(format!("field {name} has the wrong type")))?,
    );
    Ok(())
}

fn as_bytes(value: Value<'_>) -> Option<&[u8]> {
    match value {
        Value::Bytes(b) => Some(b),
        Value::Varint(_) => None,
    }
}

fn key(name: &str, value: Option<&[u8]>) -> Result<DhPublicKey> {
    let value = value.ok_or_else(|| Error::malformed(format!("field {name} is missing")))?;
    let array: [u8; 32] = value.try_into().map_err(|_| {
        Error::malformed(format!(
            "{name} is {} bytes, a Curve25519 key is 32",
            value.len()
        ))
    })?;
    Ok(DhPublicKey(array))
}

/// `malformed` unless `found` (a message's first byte) is `expected`; `what` names the message.
pub(crate) fn check_version(found: Option<&u8>, expected: u8, what: &str) -> Result<()> {
    match found {
        None => Err(Error::malformed(format!("{what} is empty"))),
        Some(&v) if v != expected => Err(Error::malformed(format!(
            "{what} version byte is 0x{v:02x}, expected 0x{expected:02x}"
        ))),
        Some(_) => Ok(()),
    }
}

/// A parsed normal message, borrowing from the received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OlmMessage<'a> {
    /// T_i, the sender's ratchet public key.
    pub ratchet_key: DhPublicKey,
    /// j, the chain index.
    pub chain_index: u64,
    /// X_i,j.
    pub ciphertext: &'a [u8],
    /// The bytes the MAC covers: version ‖ payload.
    pub authenticated: &'a [u8],
    /// The truncated MAC as received.
    pub mac: &'a [u8],
}

impl<'a> OlmMessage<'a> {
    /// Parses version ‖ payload ‖ MAC with a `mac_len`-byte MAC and a chain index of at most
    /// `max_index`.
    pub fn parse(
        bytes: &'a [u8],
        version: u8,
        mac_len: usize,
        max_index: u64,
    ) -> Result<OlmMessage<'a>> {
        if bytes.len() < 1 + mac_len {
            return Err(Error::malformed(format!(
                "an Olm message is at least {} bytes (version and MAC), got {}",
                1 + mac_len,
                bytes.len()
            )));
        }
        check_version(bytes.first(), version, "the message")?;
        let (authenticated, mac) = bytes.split_at(bytes.len() - mac_len);
        let mut ratchet_key = None;
        let mut chain_index = None;
        let mut ciphertext = None;
        read_fields(&authenticated[1..], |tag, value| match tag {
            t if t == u64::from(RATCHET_KEY_TAG) => {
                set_once(&mut ratchet_key, "ratchet key", value, as_bytes)
            }
            t if t == u64::from(CHAIN_INDEX_TAG) => {
                set_once(&mut chain_index, "chain index", value, |v| match v {
                    Value::Varint(n) => Some(n),
                    Value::Bytes(_) => None,
                })
            }
            t if t == u64::from(CIPHERTEXT_TAG) => {
                set_once(&mut ciphertext, "ciphertext", value, as_bytes)
            }
            _ => Ok(()),
        })?;
        let ratchet_key = key("ratchet key", ratchet_key)?;
        let chain_index =
            chain_index.ok_or_else(|| Error::malformed("field chain index is missing"))?;
        if chain_index > max_index {
            return Err(Error::malformed(format!(
                "chain index {chain_index} does not fit the counter (at most {max_index})"
            )));
        }
        let ciphertext =
            ciphertext.ok_or_else(|| Error::malformed("field ciphertext is missing"))?;
        Ok(OlmMessage {
            ratchet_key,
            chain_index,
            ciphertext,
            authenticated,
            mac,
        })
    }

    /// Writes version ‖ ratchet key ‖ chain index ‖ the ciphertext's tag and length into
    /// `out`; the ciphertext of `ciphertext_len` bytes and then the MAC follow it.
    pub fn encode_prefix(
        version: u8,
        ratchet_key: &DhPublicKey,
        chain_index: u64,
        ciphertext_len: usize,
        out: &mut Vec<u8>,
    ) {
        out.push(version);
        encode_string(RATCHET_KEY_TAG, ratchet_key.as_bytes(), out);
        out.push(CHAIN_INDEX_TAG);
        encode_varint(chain_index, out);
        out.push(CIPHERTEXT_TAG);
        encode_varint(ciphertext_len as u64, out);
    }
}

/// A parsed pre-key message (no MAC of its own: the embedded message carries one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OlmPreKeyMessage<'a> {
    /// E_B, Bob's one-time key.
    pub one_time_key: DhPublicKey,
    /// E_A, Alice's base key.
    pub base_key: DhPublicKey,
    /// I_A, Alice's identity key.
    pub identity_key: DhPublicKey,
    /// The embedded normal message.
    pub message: &'a [u8],
}

impl<'a> OlmPreKeyMessage<'a> {
    /// Parses version ‖ payload.
    pub fn parse(bytes: &'a [u8], version: u8) -> Result<OlmPreKeyMessage<'a>> {
        check_version(bytes.first(), version, "the pre-key message")?;
        let mut one_time_key = None;
        let mut base_key = None;
        let mut identity_key = None;
        let mut message = None;
        read_fields(&bytes[1..], |tag, value| match tag {
            t if t == u64::from(ONE_TIME_KEY_TAG) => {
                set_once(&mut one_time_key, "one-time key", value, as_bytes)
            }
            t if t == u64::from(BASE_KEY_TAG) => {
                set_once(&mut base_key, "base key", value, as_bytes)
            }
            t if t == u64::from(IDENTITY_KEY_TAG) => {
                set_once(&mut identity_key, "identity key", value, as_bytes)
            }
            t if t == u64::from(MESSAGE_TAG) => set_once(&mut message, "message", value, as_bytes),
            _ => Ok(()),
        })?;
        Ok(OlmPreKeyMessage {
            one_time_key: key("one-time key", one_time_key)?,
            base_key: key("base key", base_key)?,
            identity_key: key("identity key", identity_key)?,
            message: message.ok_or_else(|| Error::malformed("field message is missing"))?,
        })
    }

    /// version ‖ {one-time key, base key, identity key, message}.
    pub fn encode(&self, version: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 3 * 34 + 3 + self.message.len());
        out.push(version);
        encode_string(ONE_TIME_KEY_TAG, self.one_time_key.as_bytes(), &mut out);
        encode_string(BASE_KEY_TAG, self.base_key.as_bytes(), &mut out);
        encode_string(IDENTITY_KEY_TAG, self.identity_key.as_bytes(), &mut out);
        encode_string(MESSAGE_TAG, self.message, &mut out);
        out
    }
}
