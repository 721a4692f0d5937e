//! The protocol-buffers wire format as Signal's messages use it (proto2, decoded the way
//! protobuf's own runtimes decode it: libsignal-node's protobufjs, python-axolotl's
//! protobuf, libsignal's prost). Unlike Olm's stricter decoder ([`super::olm_message`]):
//!
//! - varints may be padded with continuation bytes up to the 10 bytes of a 64-bit varint
//!   (an 11th byte is `malformed`); a `uint32` field takes the low 32 bits of the value;
//! - fields may come in any order; a field that appears twice keeps its last value;
//! - unknown fields of wire type 0, 1, 2 or 5 are skipped; groups (3, 4), wire types 6 and 7,
//!   field number 0, a string running past the end and a truncated varint are `malformed`;
//! - a known field with the wrong wire type is `malformed`.
//!
//! Parsing never allocates.

pub use super::olm_message::encode_varint;
use crate::error::{Error, Result};

/// The most bytes a varint may take.
const MAX_VARINT_LEN: usize = 10;

/// Decodes a varint at the start of `bytes` (padding accepted, at most 10 bytes; bits past
/// 64 are dropped, as protobuf's runtimes do); returns it and its length.
pub fn decode_varint(bytes: &[u8]) -> Result<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(MAX_VARINT_LEN) {
        value |= u64::from(byte & 0x7f)
            .checked_shl(7 * i as u32)
            .unwrap_or(0);
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    if bytes.len() >= MAX_VARINT_LEN {
        Err(Error::malformed("varint longer than 10 bytes"))
    } else {
        Err(Error::malformed("truncated varint"))
    }
}

/// Appends field `number` as a length-delimited value.
pub fn encode_bytes_field(number: u8, value: &[u8], out: &mut Vec<u8>) {
    out.push(number << 3 | 2);
    encode_varint(value.len() as u64, out);
    out.extend_from_slice(value);
}

/// Appends field `number` as a varint.
pub fn encode_varint_field(number: u8, value: u64, out: &mut Vec<u8>) {
    out.push(number << 3);
    encode_varint(value, out);
}

/// One field value as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 2.
    Bytes(&'a [u8]),
    /// Wire types 1 and 5 (skipped: no Signal field has them).
    Fixed,
}

/// Reads every field of `payload` in order, calling `field(number, value)` for each.
pub fn read_fields<'a>(
    mut payload: &'a [u8],
    mut field: impl FnMut(u64, Value<'a>) -> Result<()>,
) -> Result<()> {
    while !payload.is_empty() {
        let (key, len) = decode_varint(payload)?;
        payload = &payload[len..];
        let number = key >> 3;
        if number == 0 {
            return Err(Error::malformed("field number 0"));
        }
        let take = |payload: &mut &'a [u8], n: usize| -> Result<&'a [u8]> {
            if payload.len() < n {
                return Err(Error::malformed(format!(
                    "field {number} claims {n} bytes, {} remain",
                    payload.len()
                )));
            }
            let (value, rest) = payload.split_at(n);
            *payload = rest;
            Ok(value)
        };
        let value = match key & 0x7 {
            0 => {
                let (value, len) = decode_varint(payload)?;
                payload = &payload[len..];
                Value::Varint(value)
            }
            1 => {
                take(&mut payload, 8)?;
                Value::Fixed
            }
            2 => {
                let (length, len) = decode_varint(payload)?;
                payload = &payload[len..];
                let length = usize::try_from(length).unwrap_or(usize::MAX);
                Value::Bytes(take(&mut payload, length)?)
            }
            5 => {
                take(&mut payload, 4)?;
                Value::Fixed
            }
            wire_type => {
                return Err(Error::malformed(format!(
                    "field {number} has wire type {wire_type}, which Signal's messages never use"
                )))
            }
        };
        field(number, value)?;
    }
    Ok(())
}

/// A known `bytes` field's value; the wrong wire type is `malformed`.
pub fn bytes_of<'a>(name: &str, value: Value<'a>) -> Result<&'a [u8]> {
    match value {
        Value::Bytes(bytes) => Ok(bytes),
        _ => Err(Error::malformed(format!(
            "field {name} is not length-delimited"
        ))),
    }
}

/// A known `uint32` field's value (the low 32 bits, as protobuf reads it); the wrong wire
/// type is `malformed`.
pub fn uint32_of(name: &str, value: Value<'_>) -> Result<u32> {
    match value {
        Value::Varint(v) => Ok(v as u32),
        _ => Err(Error::malformed(format!("field {name} is not a varint"))),
    }
}
