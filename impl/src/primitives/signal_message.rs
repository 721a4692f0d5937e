//! libsignal's v3 messages: SignalMessage = version ‖ protobuf {1 ratchetKey, 2 counter,
//! 3 previousCounter, 4 ciphertext} ‖ MAC, and PreKeySignalMessage = version ‖ protobuf
//! {1 preKeyId, 2 baseKey, 3 identityKey, 4 message, 5 registrationId, 6 signedPreKeyId}.
//! Public keys are 33 bytes, 0x05 ‖ the X25519 u-coordinate.
//!
//! Encoding writes fields in field-number order with zero values written explicitly, as
//! libsignal does. Decoding follows protobuf ([`super::protobuf`]); on top of it the version
//! byte must be the profile's, a key must be exactly 33 bytes starting with 0x05, the ratchet
//! key, ciphertext, base key, identity key and embedded message must be present; an absent
//! counter, previous counter, registration id or signed-prekey id reads as 0 (proto2's
//! default, as both libsignal-node and python-axolotl read it).

use super::dh::DhPublicKey;
use super::olm_message::check_version;
use super::protobuf::{
    bytes_of, encode_bytes_field, encode_varint, encode_varint_field, read_fields, uint32_of,
};
use crate::error::{Error, Result};

/// The type byte before an X25519 public key.
pub const KEY_TYPE_DJB: u8 = 0x05;
/// Length of an encoded public key.
pub const ENCODED_KEY_LEN: usize = 33;

/// 0x05 ‖ u.
pub fn encode_key(key: &DhPublicKey) -> [u8; ENCODED_KEY_LEN] {
    let mut out = [0u8; ENCODED_KEY_LEN];
    out[0] = KEY_TYPE_DJB;
    out[1..].copy_from_slice(key.as_bytes());
    out
}

/// Decodes 0x05 ‖ u; anything else is `malformed`, naming the field.
pub fn decode_key(name: &str, bytes: &[u8]) -> Result<DhPublicKey> {
    if bytes.len() != ENCODED_KEY_LEN {
        return Err(Error::malformed(format!(
            "{name} is {} bytes, an encoded key is 33 (0x05 and 32 key bytes)",
            bytes.len()
        )));
    }
    if bytes[0] != KEY_TYPE_DJB {
        return Err(Error::malformed(format!(
            "{name} has key type 0x{:02x}, expected 0x05",
            bytes[0]
        )));
    }
    DhPublicKey::from_slice(&bytes[1..])
}

/// A parsed SignalMessage, borrowing from the received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalMessage<'a> {
    /// The version byte as received.
    pub version: u8,
    /// The sender's ratchet public key.
    pub ratchet_key: DhPublicKey,
    /// The message's index in its chain.
    pub counter: u32,
    /// The index of the last message of the sender's previous chain.
    pub previous_counter: u32,
    /// AES-256-CBC ciphertext.
    pub ciphertext: &'a [u8],
    /// version ‖ protobuf: what the MAC covers after the two identity keys.
    pub authenticated: &'a [u8],
    /// The truncated MAC as received.
    pub mac: &'a [u8],
}

impl<'a> SignalMessage<'a> {
    /// Parses version ‖ protobuf ‖ MAC with a `mac_len`-byte MAC.
    pub fn parse(bytes: &'a [u8], version: u8, mac_len: usize) -> Result<SignalMessage<'a>> {
        if bytes.len() < 1 + mac_len {
            return Err(Error::malformed(format!(
                "a SignalMessage is at least {} bytes (version and MAC), got {}",
                1 + mac_len,
                bytes.len()
            )));
        }
        check_version(bytes.first(), version, "the SignalMessage")?;
        let (authenticated, mac) = bytes.split_at(bytes.len() - mac_len);
        let mut ratchet_key = None;
        let mut counter = 0;
        let mut previous_counter = 0;
        let mut ciphertext = None;
        read_fields(&authenticated[1..], |number, value| {
            match number {
                1 => ratchet_key = Some(bytes_of("ratchetKey", value)?),
                2 => counter = uint32_of("counter", value)?,
                3 => previous_counter = uint32_of("previousCounter", value)?,
                4 => ciphertext = Some(bytes_of("ciphertext", value)?),
                _ => {}
            }
            Ok(())
        })?;
        let ratchet_key = decode_key(
            "ratchetKey",
            ratchet_key.ok_or_else(|| Error::malformed("field ratchetKey is missing"))?,
        )?;
        let ciphertext =
            ciphertext.ok_or_else(|| Error::malformed("field ciphertext is missing"))?;
        Ok(SignalMessage {
            version: bytes[0],
            ratchet_key,
            counter,
            previous_counter,
            ciphertext,
            authenticated,
            mac,
        })
    }

    /// Writes version ‖ ratchetKey ‖ counter ‖ previousCounter ‖ the ciphertext's key and
    /// length into `out`; the ciphertext of `ciphertext_len` bytes and the MAC follow it.
    pub fn encode_prefix(
        version: u8,
        ratchet_key: &DhPublicKey,
        counter: u32,
        previous_counter: u32,
        ciphertext_len: usize,
        out: &mut Vec<u8>,
    ) {
        out.push(version);
        encode_bytes_field(1, &encode_key(ratchet_key), out);
        encode_varint_field(2, u64::from(counter), out);
        encode_varint_field(3, u64::from(previous_counter), out);
        out.push(4 << 3 | 2);
        encode_varint(ciphertext_len as u64, out);
    }
}

/// A parsed or to-be-written PreKeySignalMessage (no MAC of its own: the embedded
/// SignalMessage carries one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreKeySignalMessage<'a> {
    /// The version byte.
    pub version: u8,
    /// The sender's registration id.
    pub registration_id: u32,
    /// The responder's one-time prekey used, if any.
    pub pre_key_id: Option<u32>,
    /// The responder's signed prekey used.
    pub signed_pre_key_id: u32,
    /// The initiator's base key (X3DH's EK_A).
    pub base_key: DhPublicKey,
    /// The initiator's identity key.
    pub identity_key: DhPublicKey,
    /// The embedded SignalMessage.
    pub message: &'a [u8],
}

impl<'a> PreKeySignalMessage<'a> {
    /// Parses version ‖ protobuf.
    pub fn parse(bytes: &'a [u8], version: u8) -> Result<PreKeySignalMessage<'a>> {
        check_version(bytes.first(), version, "the PreKeySignalMessage")?;
        let mut pre_key_id = None;
        let mut base_key = None;
        let mut identity_key = None;
        let mut message = None;
        let mut registration_id = 0;
        let mut signed_pre_key_id = 0;
        read_fields(&bytes[1..], |number, value| {
            match number {
                1 => pre_key_id = Some(uint32_of("preKeyId", value)?),
                2 => base_key = Some(bytes_of("baseKey", value)?),
                3 => identity_key = Some(bytes_of("identityKey", value)?),
                4 => message = Some(bytes_of("message", value)?),
                5 => registration_id = uint32_of("registrationId", value)?,
                6 => signed_pre_key_id = uint32_of("signedPreKeyId", value)?,
                _ => {}
            }
            Ok(())
        })?;
        let required = |name: &str, value: Option<&'a [u8]>| {
            value.ok_or_else(|| Error::malformed(format!("field {name} is missing")))
        };
        Ok(PreKeySignalMessage {
            version: bytes[0],
            registration_id,
            pre_key_id,
            signed_pre_key_id,
            base_key: decode_key("baseKey", required("baseKey", base_key)?)?,
            identity_key: decode_key("identityKey", required("identityKey", identity_key)?)?,
            message: required("message", message)?,
        })
    }

    /// version ‖ protobuf, fields in number order; preKeyId only when there is one.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 6 + 2 * 35 + 3 + self.message.len() + 12);
        out.push(self.version);
        if let Some(id) = self.pre_key_id {
            encode_varint_field(1, u64::from(id), &mut out);
        }
        encode_bytes_field(2, &encode_key(&self.base_key), &mut out);
        encode_bytes_field(3, &encode_key(&self.identity_key), &mut out);
        encode_bytes_field(4, self.message, &mut out);
        encode_varint_field(5, u64::from(self.registration_id), &mut out);
        encode_varint_field(6, u64::from(self.signed_pre_key_id), &mut out);
        out
    }
}
