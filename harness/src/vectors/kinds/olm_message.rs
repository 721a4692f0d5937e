//! `olm_message`: Olm's normal message under a given message key, its authenticated
//! encryption and its framing in one (olm.md, "The Olm Message Format" and "Olm Authenticated
//! Encryption"): HKDF(zero salt, M, "OLM_KEYS", 80) gives AES key ‖ HMAC key ‖ IV; the message
//! is 0x03 ‖ {0x0A ratchet key, 0x10 chain index, 0x22 ciphertext} ‖ HMAC(version ‖ payload)
//! truncated to 8 bytes.
//!
//! Every invalid message that must fail to decode carries a MAC the generator computes itself
//! from the message key material, so a decoder that checks the MAC first still reaches the
//! decoding error instead of stopping at `auth_failed`.

use std::collections::BTreeMap;

use ratchet_ref::primitives::aead::{derive_message_key_material, MessageKeyMaterial};
use ratchet_ref::primitives::aes_cbc::{aes256_cbc_encrypt_blocks, pkcs7_pad};
use ratchet_ref::primitives::hmac_sha256::hmac_sha256;
use ratchet_ref::primitives::olm_message::{
    encode_varint, OlmMessage, CHAIN_INDEX_TAG, CIPHERTEXT_TAG, RATCHET_KEY_TAG,
};
use ratchet_ref::primitives::wire::{self, MessageFields};
use ratchet_ref::primitives::{generate_dh_from_bytes, DhPublicKey, MessageKey};
use ratchet_ref::profile::MessageFormat;
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

/// What `message_parse` must answer for a test's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmParse {
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    /// The version byte, ratchet key, chain index, ciphertext and MAC as read (when the
    /// parse succeeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratchet_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciphertext: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<Hex>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmMessageTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    /// The message key M_i,j.
    pub mk: Hex,
    /// HKDF output parts (AES key, HMAC key, IV), for locating a departure; not inputs.
    pub enc_key: Hex,
    pub auth_key: Hex,
    pub iv: Hex,
    /// The ratchet key and chain index message_encrypt frames (valid tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratchet_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// The plaintext: what message_encrypt encrypts (valid tests) and message_decrypt returns
    /// (valid and acceptable tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Hex>,
    /// The encoded message.
    pub message: Hex,
    /// What message_parse must answer.
    pub parse: OlmParse,
    /// What message_decrypt must answer.
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    /// Other error kinds a conforming message_decrypt may report for this input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_errors: Vec<ErrorKind>,
}
test_case!(OlmMessageTest);

pub struct OlmMessageKind;

/// The Olm version byte of `profile`, when its messages are Olm's.
pub(crate) fn olm_version(profile: &Profile) -> Option<u8> {
    match &profile.wire {
        MessageFormat::Olm(format) => Some(format.version_byte),
        MessageFormat::FixedHeader(_) | MessageFormat::Signal(_) => None,
    }
}

/// A payload built field by field, in any order and with any mistakes.
#[derive(Default, Clone)]
pub(crate) struct Payload(pub Vec<u8>);

impl Payload {
    pub(crate) fn new() -> Payload {
        Payload(Vec::new())
    }

    /// A tag and a minimal varint value.
    pub(crate) fn varint(mut self, tag: u8, value: u64) -> Payload {
        self.0.push(tag);
        encode_varint(value, &mut self.0);
        self
    }

    /// A tag, a minimal varint length and the bytes.
    pub(crate) fn string(mut self, tag: u8, value: &[u8]) -> Payload {
        self.0.push(tag);
        encode_varint(value.len() as u64, &mut self.0);
        self.0.extend_from_slice(value);
        self
    }

    /// Bytes exactly as given.
    pub(crate) fn raw(mut self, bytes: &[u8]) -> Payload {
        self.0.extend_from_slice(bytes);
        self
    }
}

/// Plaintext lengths next to a multiple of the block size.
fn block_boundary(len: usize) -> bool {
    matches!(len % 16, 0 | 1 | 15)
}

/// Chain indices of valid tests: every varint length boundary up to five bytes, and
/// 2^32 - 2, the largest index a sender with a 32-bit counter uses.
const INDICES: [u32; 11] = [
    0,
    1,
    127,
    128,
    16_383,
    16_384,
    (1 << 21) - 1,
    1 << 21,
    (1 << 28) - 1,
    1 << 28,
    u32::MAX - 1,
];

/// Long plaintexts: the ciphertext length prefix takes one byte (112 bytes), two (128 and
/// 16,368 bytes) and three (16,384 bytes).
const LONG: [usize; 5] = [111, 112, 1000, 16_367, 16_368];

struct Maker<'a> {
    profile: &'a Profile,
    version: u8,
    mk: [u8; 32],
}

impl Maker<'_> {
    fn material(&self) -> MessageKeyMaterial {
        derive_message_key_material(self.profile, &MessageKey::from_bytes(self.mk))
    }

    /// The full HMAC-SHA256 of `authenticated` under the message key's HMAC key.
    fn hmac(&self, authenticated: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.material().auth_key, authenticated)
    }

    /// `version ‖ payload` followed by the first `mac_len` bytes of its HMAC: a message whose
    /// MAC verifies whatever the payload holds.
    fn sealed_with(&self, version: u8, payload: &Payload, mac_len: usize) -> Vec<u8> {
        let mut out = vec![version];
        out.extend_from_slice(&payload.0);
        let mac = self.hmac(&out);
        out.extend_from_slice(&mac[..mac_len]);
        out
    }

    fn sealed(&self, payload: &Payload) -> Vec<u8> {
        self.sealed_with(self.version, payload, self.profile.aead.mac_len)
    }

    /// CBC blocks of `padded` (a multiple of 16 bytes, with whatever padding).
    fn raw_cbc(&self, padded: &[u8]) -> Vec<u8> {
        let material = self.material();
        let mut out = padded.to_vec();
        if aes256_cbc_encrypt_blocks(&material.enc_key, &material.iv, &mut out).is_err() {
            out.clear();
        }
        out
    }

    /// AES-256-CBC of PKCS#7(plaintext): the ciphertext field of an honest message.
    fn ciphertext(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut padded = plaintext.to_vec();
        pkcs7_pad(&mut padded, plaintext.len());
        self.raw_cbc(&padded)
    }

    /// The honest payload: ratchet key, chain index, ciphertext, in the order libolm writes.
    fn payload(&self, ratchet_key: &DhPublicKey, n: u64, ciphertext: &[u8]) -> Payload {
        Payload::new()
            .string(RATCHET_KEY_TAG, &ratchet_key.0)
            .varint(CHAIN_INDEX_TAG, n)
            .string(CIPHERTEXT_TAG, ciphertext)
    }

    /// A test of `message`, its outcomes as the reference answers: message_parse as the
    /// reference SUT runs it, message_decrypt as wire::parse then wire::open. A test the
    /// reference accepts is valid, or acceptable when `acceptable`.
    fn test(
        &self,
        comment: String,
        flags: &[&str],
        message: Vec<u8>,
        acceptable: bool,
        alternatives: &[ErrorKind],
    ) -> OlmMessageTest {
        let profile = self.profile;
        let material = self.material();
        let success = if acceptable {
            Outcome::Acceptable
        } else {
            Outcome::Valid
        };
        let parse = match OlmMessage::parse(
            &message,
            self.version,
            profile.aead.mac_len,
            profile.wire.max_counter(),
        ) {
            Ok(m) => OlmParse {
                result: success,
                error: None,
                version: Some(self.version),
                ratchet_key: Some(Hex::from(m.ratchet_key.0)),
                n: Some(m.chain_index),
                ciphertext: Some(Hex::from(m.ciphertext)),
                mac: Some(Hex::from(m.mac)),
            },
            Err(e) => OlmParse {
                result: Outcome::Invalid,
                error: Some(e.kind()),
                version: None,
                ratchet_key: None,
                n: None,
                ciphertext: None,
                mac: None,
            },
        };
        let key = MessageKey::from_bytes(self.mk);
        let decrypted = wire::parse(profile, &message)
            .and_then(|parsed| wire::open(profile, &key, &parsed, &[]));
        let (result, error, plaintext, alternatives) = match decrypted {
            Ok(pt) => (success, None, Some(Hex(pt)), Vec::new()),
            Err(e) => (
                Outcome::Invalid,
                Some(e.kind()),
                None,
                alternatives.to_vec(),
            ),
        };
        OlmMessageTest {
            tc_id: 0,
            comment,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            mk: Hex::from(self.mk),
            enc_key: Hex::from(material.enc_key),
            auth_key: Hex::from(material.auth_key),
            iv: Hex::from(material.iv),
            ratchet_key: None,
            n: None,
            plaintext,
            message: Hex(message),
            parse,
            result,
            error,
            alternative_errors: alternatives,
        }
    }
}

impl KindSpec for OlmMessageKind {
    const NAME: &'static str = "olm_message";
    type Test = OlmMessageTest;

    /// Profiles whose messages are Olm's.
    fn applies_to(profile: &Profile) -> bool {
        matches!(profile.wire, MessageFormat::Olm(_))
    }

    fn header() -> Vec<String> {
        vec![
            "message_encrypt(mk, ratchetKey, n, plaintext): HKDF-SHA256(salt = 32 zero bytes, ikm = mk, info = profile.aead.info) gives 80 bytes: encKey ‖ authKey ‖ iv; X = AES-256-CBC(encKey, iv, PKCS#7(plaintext)).".into(),
            "message = 0x03 ‖ 0x0A len(ratchetKey) ratchetKey ‖ 0x10 varint(n) ‖ 0x22 len(X) X ‖ HMAC-SHA256(authKey, everything before the MAC)[0..8]; varints are 7 bits a byte, least significant first.".into(),
            "message_parse(message) reads version, ratchetKey, n, ciphertext and mac without the key; message_decrypt(mk, message) parses, checks the MAC (auth_failed), then the ciphertext length and padding (malformed).".into(),
            "Decoding (profile.wire.decoding): version 0x03; each known field exactly once; 32-byte ratchet key; minimal varints; a chain index below 2^chainIndexBits; unknown fields of wire type 0 or 2 skipped (acceptable tests), other wire types malformed.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        const FORMAT: &str = "olm.md, The Olm Message Format";
        const AE: &str = "olm.md, Olm Authenticated Encryption";
        const BOTH: &str = "olm.md, The Olm Message Format; Olm Authenticated Encryption";
        const TRUNCATED_TAG: &str =
            "olm.md, The Olm Message Format; Olm Authenticated Encryption; DR §6.6";
        notes(&[
            ("Normal", note("Functionality", "Encrypts to exactly these bytes, decrypts to the plaintext and parses into these fields. An implementation that fails derives the wrong AES key, HMAC key or IV, orders or encodes the fields differently, or truncates the MAC wrongly.", BOTH)),
            ("BlockBoundary", note("EdgeCase", "Plaintext length at or next to a multiple of 16: PKCS#7 always adds 1 to 16 bytes; an implementation that fails pads a full block wrongly.", AE)),
            ("ChainIndexVarint", note("EdgeCase", "A chain index at a varint length boundary (127/128, 16383/16384, 2^21 - 1/2^21, 2^28 - 1/2^28) or 2^32 - 2, the largest a sender with a 32-bit counter uses. An implementation that fails encodes varints with the wrong group order or length, or keeps the index in fewer than 32 bits.", FORMAT)),
            ("LongMessage", note("EdgeCase", "A ciphertext whose length prefix takes two or three varint bytes (128, 16368 and 16384 bytes) next to one that takes one (112 bytes): an implementation that fails writes or reads the length as a single byte.", FORMAT)),
            ("ModifiedMac", note("MissingCheck", "One bit of one of the 8 MAC bytes is flipped: auth_failed. An implementation that accepts it compares fewer bytes than it should, or not at all.", AE)),
            ("ModifiedMessage", note("MissingCheck", "A bit of the ratchet key or the ciphertext is flipped, or the chain index changed, under the original MAC: auth_failed. The MAC protects every byte before it; an implementation that accepts authenticates only the ciphertext.", BOTH)),
            ("WrongKey", note("MissingCheck", "Decryption under another message key: auth_failed.", AE)),
            ("MacWithoutVersion", note("MissingCheck", "The MAC is computed over the payload without the version byte: auth_failed. olm.md: the entire message including the version byte is passed through HMAC-SHA-256; an implementation that accepts it leaves the version byte out.", AE)),
            ("TruncatedMac", note("ModifiedInput", "Only 7 MAC bytes, or none: the last 8 bytes are the MAC, so the payload loses its last byte and its ciphertext runs past the end: malformed. A decoder that checks the MAC before decoding reports auth_failed, also accepted; one that compares only the bytes present accepts a shortened MAC.", TRUNCATED_TAG)),
            ("ExtendedMac", note("ModifiedInput", "9 MAC bytes: the last 8 are the MAC, so the payload ends with a stray byte: malformed (auth_failed from a decoder that checks the MAC first, also accepted). An implementation that accepts it compares a MAC prefix of the received length.", TRUNCATED_TAG)),
            ("WrongVersion", note("ModifiedInput", "A version byte other than 0x03 (0x02, 0x04, 0x00) under a MAC that verifies: malformed. An implementation that accepts it does not check the version byte.", FORMAT)),
            ("EmptyInput", note("ModifiedInput", "An empty input, a version byte alone, or fewer bytes than a version byte and a MAC: malformed, never an out-of-bounds read.", FORMAT)),
            ("MissingField", note("MissingCheck", "The ratchet key, the chain index or the ciphertext is absent (the MAC verifies): malformed. An implementation that accepts it defaults the field to zero or empty.", FORMAT)),
            ("RepeatedField", note("ModifiedInput", "A field appears twice with different values (the MAC verifies): malformed, as the profile decodes each field exactly once. Protocol buffers and libolm keep the last value, a hand-written decoder may keep the first: the two disagree on the ratchet key or index. olm.md defines each field once and says nothing about repeats.", FORMAT)),
            ("WrongKeyLength", note("ModifiedInput", "A ratchet key of 0, 10 (libolm's own test message), 31 or 33 bytes: malformed; Curve25519 public keys are 32 bytes. An implementation that accepts it pads, truncates or reads past the key.", FORMAT)),
            ("OverlongVarint", note("ModifiedInput", "A varint with trailing zero groups (0 as 0x80 0x00, a length or tag in more bytes than needed), under a valid MAC: malformed by the profile's decoding rule (minimal varints). olm.md does not say that varints are minimal; protocol buffers accept these.", FORMAT)),
            ("VarintOverflow", note("ModifiedInput", "A varint of 11 bytes or above 2^64 - 1, or a chain index of 2^32 or more, which does not fit the profile's 32-bit counter (chainIndexBits): malformed. An implementation that accepts it truncates the index (2^32 read as 0) or wraps while decoding.", FORMAT)),
            ("TruncatedVarint", note("ModifiedInput", "The payload ends inside a tag or a varint value: malformed.", FORMAT)),
            ("StringPastEnd", note("ModifiedInput", "A string's length prefix claims more bytes than remain before the MAC: malformed. An implementation that accepts it reads into the MAC or beyond the buffer.", FORMAT)),
            ("UnknownWireType", note("ModifiedInput", "A tag with wire type 1 (fixed64, 0x09), 3 (start group, 0x0b) or 5 (fixed32, 0x0d): malformed; olm.md defines only 0 (integers) and 2 (strings). libolm stops decoding at such a tag and keeps the fields read so far.", FORMAT)),
            ("CiphertextLength", note("MissingCheck", "A ciphertext that is empty or not a multiple of 16 bytes, carrying a MAC that verifies: malformed after authentication, never plaintext. An implementation that fails reads a partial block or crashes.", AE)),
            ("BadPadding", note("MissingCheck", "A ciphertext with a MAC that verifies whose decryption has invalid PKCS#7 padding: malformed, never plaintext.", AE)),
            ("UnknownField", note("EdgeCase", "An unknown field of wire type 0 or 2 before, between or after the known ones, covered by the MAC. Protocol buffers skip it and so does the reference; rejecting it is also acceptable, as olm.md says nothing about unknown keys.", FORMAT)),
            ("WireTypeMismatch", note("EdgeCase", "A known field number with the other wire type (0x08: field 1 as an integer; 0x12: field 2 as a string) next to the real fields. Keys are whole tags, so the reference treats it as an unknown key and skips it; rejecting it is also acceptable.", FORMAT)),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<OlmMessageTest>> {
        let Some(version) = olm_version(profile) else {
            return Vec::new();
        };
        let maker = |rng: &mut VectorRng| Maker {
            profile,
            version,
            mk: rng.key(),
        };
        let ratchet_key = |rng: &mut VectorRng| generate_dh_from_bytes(rng.key()).public;
        let mac_len = profile.aead.mac_len;

        // Round trips.
        let mut valid = Vec::new();
        for (i, len) in (0..=64).chain(LONG).enumerate() {
            let m = maker(rng);
            let rk = ratchet_key(rng);
            let n = INDICES[i % INDICES.len()];
            let pt = rng.bytes(len);
            let fields = MessageFields {
                dh: rk,
                pn: None,
                n,
            };
            let message = wire::seal(profile, &MessageKey::from_bytes(m.mk), &fields, &pt, &[]);
            // The generator's own encoder (which builds every invalid message) agrees with
            // the reference's.
            assert_eq!(
                message,
                m.sealed(&m.payload(&rk, u64::from(n), &m.ciphertext(&pt))),
                "the generator's Olm encoder departs from the reference"
            );
            let mut flags = vec!["Normal"];
            if block_boundary(len) {
                flags.push("BlockBoundary");
            }
            if n >= 127 {
                flags.push("ChainIndexVarint");
            }
            if len >= 111 {
                flags.push("LongMessage");
            }
            let mut test = m.test(
                format!("{len}-byte plaintext, chain index {n}"),
                &flags,
                message,
                false,
                &[],
            );
            test.ratchet_key = Some(Hex::from(rk.0));
            test.n = Some(u64::from(n));
            test.plaintext = Some(Hex(pt));
            valid.push(test);
        }

        // Authentication: the message decodes, the MAC does not verify.
        let mut auth = Vec::new();
        let m = maker(rng);
        let rk = ratchet_key(rng);
        let ct = m.ciphertext(&rng.bytes(20));
        let honest = m.sealed(&m.payload(&rk, 7, &ct));
        let mac_at = honest.len() - mac_len;
        for i in 0..mac_len {
            let mut bad = honest.clone();
            bad[mac_at + i] ^= 1 << (i % 8);
            auth.push(m.test(
                format!("MAC byte {i} has bit {} flipped", i % 8),
                &["ModifiedMac"],
                bad,
                false,
                &[],
            ));
        }
        let mut bad = honest.clone();
        bad[3 + 5] ^= 0x10;
        auth.push(m.test(
            "ratchet key byte 5 flipped under the original MAC".into(),
            &["ModifiedMessage"],
            bad,
            false,
            &[],
        ));
        let mut bad = honest.clone();
        bad[mac_at - 1] ^= 0x01;
        auth.push(m.test(
            "last ciphertext byte flipped under the original MAC".into(),
            &["ModifiedMessage"],
            bad,
            false,
            &[],
        ));
        let mut bad = m.payload(&rk, 8, &ct).0;
        bad.insert(0, version);
        bad.extend_from_slice(&honest[mac_at..]);
        auth.push(m.test(
            "chain index 7 changed to 8 under the original MAC".into(),
            &["ModifiedMessage"],
            bad,
            false,
            &[],
        ));
        let other = maker(rng);
        auth.push(other.test(
            "decrypted under another message key".into(),
            &["WrongKey"],
            honest.clone(),
            false,
            &[],
        ));
        let mut without_version = m.payload(&rk, 7, &ct).0;
        let mac = m.hmac(&without_version);
        without_version.insert(0, version);
        without_version.extend_from_slice(&mac[..mac_len]);
        auth.push(m.test(
            "MAC over the payload without the version byte".into(),
            &["MacWithoutVersion"],
            without_version,
            false,
            &[],
        ));

        // Decoding: every message below carries a MAC that verifies (unless the point is
        // that there is none), so the decoding error is reached whatever the check order.
        let mut decoding = Vec::new();
        let m = maker(rng);
        let rk = ratchet_key(rng);
        let ct = m.ciphertext(&rng.bytes(24));
        let payload = m.payload(&rk, 3, &ct);
        let auth_first = [ErrorKind::AuthFailed];
        decoding.push(m.test(
            "7-byte MAC".into(),
            &["TruncatedMac"],
            m.sealed_with(version, &payload, mac_len - 1),
            false,
            &auth_first,
        ));
        decoding.push(m.test(
            "no MAC".into(),
            &["TruncatedMac"],
            m.sealed_with(version, &payload, 0),
            false,
            &auth_first,
        ));
        decoding.push(m.test(
            "9-byte MAC (the first 9 bytes of the HMAC)".into(),
            &["ExtendedMac"],
            m.sealed_with(version, &payload, mac_len + 1),
            false,
            &auth_first,
        ));
        for wrong in [0x02u8, 0x04, 0x00] {
            decoding.push(m.test(
                format!("version byte 0x{wrong:02x}, MAC over it"),
                &["WrongVersion"],
                m.sealed_with(wrong, &payload, mac_len),
                false,
                &[],
            ));
        }
        decoding.push(m.test(
            "empty input".into(),
            &["EmptyInput"],
            Vec::new(),
            false,
            &[],
        ));
        decoding.push(m.test(
            "the version byte alone".into(),
            &["EmptyInput"],
            vec![version],
            false,
            &[],
        ));
        decoding.push(m.test(
            "version byte and 7 bytes".into(),
            &["EmptyInput"],
            m.sealed_with(version, &Payload::new(), mac_len - 1),
            false,
            &[],
        ));
        decoding.push(m.test(
            "empty payload with a valid MAC".into(),
            &["EmptyInput", "MissingField"],
            m.sealed(&Payload::new()),
            false,
            &[],
        ));
        let fields: [(&str, Payload); 3] = [
            (
                "ratchet key",
                Payload::new()
                    .varint(CHAIN_INDEX_TAG, 3)
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "chain index",
                Payload::new()
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "ciphertext",
                Payload::new()
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .varint(CHAIN_INDEX_TAG, 3),
            ),
        ];
        for (name, payload) in fields {
            decoding.push(m.test(
                format!("{name} missing, valid MAC"),
                &["MissingField"],
                m.sealed(&payload),
                false,
                &[],
            ));
        }
        let rk2 = ratchet_key(rng);
        decoding.push(
            m.test(
                "ratchet key twice (two different keys), valid MAC".into(),
                &["RepeatedField"],
                m.sealed(
                    &Payload::new()
                        .string(RATCHET_KEY_TAG, &rk.0)
                        .string(RATCHET_KEY_TAG, &rk2.0)
                        .varint(CHAIN_INDEX_TAG, 3)
                        .string(CIPHERTEXT_TAG, &ct),
                ),
                false,
                &[],
            ),
        );
        decoding.push(
            m.test(
                "chain index twice (3, then 4), valid MAC".into(),
                &["RepeatedField"],
                m.sealed(
                    &Payload::new()
                        .string(RATCHET_KEY_TAG, &rk.0)
                        .varint(CHAIN_INDEX_TAG, 3)
                        .varint(CHAIN_INDEX_TAG, 4)
                        .string(CIPHERTEXT_TAG, &ct),
                ),
                false,
                &[],
            ),
        );
        decoding.push(m.test(
            "ciphertext twice, valid MAC".into(),
            &["RepeatedField"],
            m.sealed(&m.payload(&rk, 3, &ct).string(CIPHERTEXT_TAG, &ct)),
            false,
            &[],
        ));
        for len in [0usize, 31, 33] {
            let key = rng.bytes(len);
            decoding.push(
                m.test(
                    format!("{len}-byte ratchet key, valid MAC"),
                    &["WrongKeyLength"],
                    m.sealed(
                        &Payload::new()
                            .string(RATCHET_KEY_TAG, &key)
                            .varint(CHAIN_INDEX_TAG, 3)
                            .string(CIPHERTEXT_TAG, &ct),
                    ),
                    false,
                    &[],
                ),
            );
        }
        // libolm's tests/test_message.cpp decodes this message, with a 10-byte ratchet key.
        let libolm = Payload::new()
            .varint(CHAIN_INDEX_TAG, 1)
            .string(RATCHET_KEY_TAG, b"ratchetkey")
            .string(CIPHERTEXT_TAG, b"ciphertext");
        let mut libolm_message = vec![version];
        libolm_message.extend_from_slice(&libolm.0);
        libolm_message.extend_from_slice(b"hmacsha2");
        decoding.push(m.test(
            "libolm's test message (10-byte ratchet key, MAC \"hmacsha2\")".into(),
            &["WrongKeyLength"],
            libolm_message,
            false,
            &auth_first,
        ));
        decoding.push(m.test(
            "libolm's test message fields (10-byte ratchet key), valid MAC".into(),
            &["WrongKeyLength"],
            m.sealed(&libolm),
            false,
            &[],
        ));
        let overlong: [(&str, Payload); 6] = [
            (
                "chain index 0 as 0x80 0x00",
                Payload::new()
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .raw(&[CHAIN_INDEX_TAG, 0x80, 0x00])
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "chain index 0 in 10 bytes",
                Payload::new()
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .raw(&[CHAIN_INDEX_TAG])
                    .raw(&[0x80; 9])
                    .raw(&[0x00])
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "chain index 5 as 0x85 0x80 0x00",
                Payload::new()
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .raw(&[CHAIN_INDEX_TAG, 0x85, 0x80, 0x00])
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "ratchet key length 32 as 0xa0 0x00",
                Payload::new()
                    .raw(&[RATCHET_KEY_TAG, 0xa0, 0x00])
                    .raw(&rk.0)
                    .varint(CHAIN_INDEX_TAG, 3)
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "ciphertext length as a two-byte varint where one suffices",
                Payload::new()
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .varint(CHAIN_INDEX_TAG, 3)
                    .raw(&[CIPHERTEXT_TAG, 0x80 | ct.len() as u8, 0x00])
                    .raw(&ct),
            ),
            (
                "ratchet key tag 0x0a as 0x8a 0x00",
                Payload::new()
                    .raw(&[0x80 | RATCHET_KEY_TAG, 0x00])
                    .raw(&[32])
                    .raw(&rk.0)
                    .varint(CHAIN_INDEX_TAG, 3)
                    .string(CIPHERTEXT_TAG, &ct),
            ),
        ];
        for (what, payload) in overlong {
            decoding.push(m.test(
                format!("{what}, valid MAC"),
                &["OverlongVarint"],
                m.sealed(&payload),
                false,
                &[],
            ));
        }
        let overflow: [(&str, &[u8]); 4] = [
            ("chain index 2^32", &[0x80, 0x80, 0x80, 0x80, 0x10]),
            (
                "chain index 2^64 - 1",
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
            (
                "chain index as a 10-byte varint above 2^64 - 1",
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            ),
            (
                "chain index as an 11-byte varint",
                &[
                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                ],
            ),
        ];
        for (what, index) in overflow {
            decoding.push(
                m.test(
                    format!("{what}, valid MAC"),
                    &["VarintOverflow"],
                    m.sealed(
                        &Payload::new()
                            .string(RATCHET_KEY_TAG, &rk.0)
                            .raw(&[CHAIN_INDEX_TAG])
                            .raw(index)
                            .string(CIPHERTEXT_TAG, &ct),
                    ),
                    false,
                    &[],
                ),
            );
        }
        let keyed = Payload::new()
            .string(RATCHET_KEY_TAG, &rk.0)
            .varint(CHAIN_INDEX_TAG, 3);
        decoding.push(
            m.test(
                "payload ends inside the chain index varint, valid MAC".into(),
                &["TruncatedVarint"],
                m.sealed(
                    &Payload::new()
                        .string(RATCHET_KEY_TAG, &rk.0)
                        .raw(&[CHAIN_INDEX_TAG, 0x83]),
                ),
                false,
                &[],
            ),
        );
        decoding.push(m.test(
            "payload ends after the ciphertext tag, valid MAC".into(),
            &["TruncatedVarint"],
            m.sealed(&keyed.clone().raw(&[CIPHERTEXT_TAG])),
            false,
            &[],
        ));
        decoding.push(m.test(
            "payload ends inside a two-byte tag, valid MAC".into(),
            &["TruncatedVarint"],
            m.sealed(&m.payload(&rk, 3, &ct).raw(&[0x80])),
            false,
            &[],
        ));
        decoding.push(
            m.test(
                "ciphertext length one more than the bytes before the MAC, valid MAC".into(),
                &["StringPastEnd"],
                m.sealed(
                    &keyed
                        .clone()
                        .raw(&[CIPHERTEXT_TAG, ct.len() as u8 + 1])
                        .raw(&ct),
                ),
                false,
                &[],
            ),
        );
        decoding.push(
            m.test(
                "ratchet key length 200, valid MAC".into(),
                &["StringPastEnd"],
                m.sealed(
                    &Payload::new()
                        .raw(&[RATCHET_KEY_TAG, 0xc8, 0x01])
                        .raw(&rk.0)
                        .varint(CHAIN_INDEX_TAG, 3)
                        .string(CIPHERTEXT_TAG, &ct),
                ),
                false,
                &[],
            ),
        );
        let unknown_types: [(&str, Payload); 4] = [
            (
                "fixed64 field 0x09 after the known fields",
                m.payload(&rk, 3, &ct).raw(&[0x09]).raw(&rng.bytes(8)),
            ),
            (
                "start-group tag 0x0b after the known fields",
                m.payload(&rk, 3, &ct).raw(&[0x0b]),
            ),
            (
                "fixed32 field 0x0d after the known fields",
                m.payload(&rk, 3, &ct).raw(&[0x0d]).raw(&rng.bytes(4)),
            ),
            (
                "fixed64 field 0x29 before the known fields",
                Payload::new()
                    .raw(&[0x29])
                    .raw(&rng.bytes(8))
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .varint(CHAIN_INDEX_TAG, 3)
                    .string(CIPHERTEXT_TAG, &ct),
            ),
        ];
        for (what, payload) in unknown_types {
            decoding.push(m.test(
                format!("{what}, valid MAC"),
                &["UnknownWireType"],
                m.sealed(&payload),
                false,
                &[],
            ));
        }

        // Decryption after authentication: the message decodes and the MAC verifies.
        let mut decryption = Vec::new();
        let m = maker(rng);
        let rk = ratchet_key(rng);
        let ct = m.ciphertext(&rng.bytes(40));
        for (what, body) in [
            ("empty ciphertext", Vec::new()),
            ("1-byte ciphertext", ct[..1].to_vec()),
            ("15-byte ciphertext", ct[..15].to_vec()),
            (
                "47-byte ciphertext (one byte short)",
                ct[..ct.len() - 1].to_vec(),
            ),
            ("49-byte ciphertext (one byte over)", {
                let mut c = ct.clone();
                c.push(0x5a);
                c
            }),
        ] {
            decryption.push(m.test(
                format!("{what}, valid MAC"),
                &["CiphertextLength"],
                m.sealed(&m.payload(&rk, 9, &body)),
                false,
                &[],
            ));
        }
        for (what, last_block) in [
            ("padding byte 0", [0u8; 16]),
            ("padding byte 17", [17u8; 16]),
            ("padding length 4 with an inconsistent byte", {
                let mut b = [4u8; 16];
                b[13] = 5;
                b
            }),
            ("padding byte 16 with one byte 15", {
                let mut b = [16u8; 16];
                b[0] = 15;
                b
            }),
        ] {
            let mut padded = rng.bytes(16);
            padded.extend_from_slice(&last_block);
            decryption.push(m.test(
                format!("{what}, valid MAC"),
                &["BadPadding"],
                m.sealed(&m.payload(&rk, 9, &m.raw_cbc(&padded))),
                false,
                &[],
            ));
        }

        // Unknown keys: skipped by the reference, covered by the MAC.
        let mut unknown = Vec::new();
        let m = maker(rng);
        let rk = ratchet_key(rng);
        let ct = m.ciphertext(&rng.bytes(12));
        let extra = rng.bytes(5);
        let cases: [(&str, &[&str], Payload); 6] = [
            (
                "unknown integer field 0x18 after the known fields",
                &["UnknownField"],
                m.payload(&rk, 2, &ct).varint(0x18, 300),
            ),
            (
                "unknown string field 0x2a after the known fields",
                &["UnknownField"],
                m.payload(&rk, 2, &ct).string(0x2a, &extra),
            ),
            (
                "unknown string field 0x2a before the known fields",
                &["UnknownField"],
                Payload::new()
                    .string(0x2a, &extra)
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .varint(CHAIN_INDEX_TAG, 2)
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "unknown integer field 0x38 between ratchet key and chain index",
                &["UnknownField"],
                Payload::new()
                    .string(RATCHET_KEY_TAG, &rk.0)
                    .varint(0x38, 1)
                    .varint(CHAIN_INDEX_TAG, 2)
                    .string(CIPHERTEXT_TAG, &ct),
            ),
            (
                "field 1 as an integer (tag 0x08) next to the ratchet key",
                &["WireTypeMismatch"],
                m.payload(&rk, 2, &ct).varint(0x08, 5),
            ),
            (
                "field 2 as a string (tag 0x12) next to the chain index",
                &["WireTypeMismatch"],
                m.payload(&rk, 2, &ct).string(0x12, &extra),
            ),
        ];
        for (what, flags, payload) in cases {
            unknown.push(m.test(
                format!("{what}, valid MAC"),
                flags,
                m.sealed(&payload),
                true,
                &[],
            ));
        }

        vec![
            TestGroup {
                group_type: "OlmMessageTest".into(),
                comment: "round trips: message_encrypt, message_decrypt, message_parse".into(),
                tests: valid,
            },
            TestGroup {
                group_type: "OlmMessageTest".into(),
                comment: "messages that parse but do not authenticate".into(),
                tests: auth,
            },
            TestGroup {
                group_type: "OlmMessageTest".into(),
                comment:
                    "messages that do not decode (with a MAC that verifies wherever there is one)"
                        .into(),
                tests: decoding,
            },
            TestGroup {
                group_type: "OlmMessageTest".into(),
                comment: "messages that authenticate but do not decrypt".into(),
                tests: decryption,
            },
            TestGroup {
                group_type: "OlmMessageTest".into(),
                comment: "unknown keys: skipping or rejecting them is acceptable".into(),
                tests: unknown,
            },
        ]
    }

    fn checks(test: &OlmMessageTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut checks = Vec::new();
        if test.result == Outcome::Valid {
            let missing = |what: &str| format!("tcId {}: a valid test needs {what}", test.tc_id);
            checks.push(Check::new(
                "message_encrypt",
                "message_encrypt",
                json!({
                    "mk": test.mk,
                    "ratchetKey": test.ratchet_key.as_ref().ok_or_else(|| missing("ratchetKey"))?,
                    "n": test.n.ok_or_else(|| missing("n"))?,
                    "plaintext": test.plaintext.as_ref().ok_or_else(|| missing("plaintext"))?,
                }),
                Expect::Ok(vec![("/message".into(), json!(test.message))]),
            ));
        }
        let plaintext = test
            .plaintext
            .as_ref()
            .map(|p| vec![("/plaintext".to_string(), json!(p))])
            .unwrap_or_default();
        checks.push(Check::new(
            "message_decrypt",
            "message_decrypt",
            json!({"mk": test.mk, "message": test.message}),
            expect_outcome(test.result, test.error, &test.alternative_errors, plaintext),
        ));
        let p = &test.parse;
        let mut fields = Vec::new();
        if let Some(v) = p.version {
            fields.push(("/version".to_string(), json!(v)));
        }
        if let Some(k) = &p.ratchet_key {
            fields.push(("/ratchetKey".to_string(), json!(k)));
        }
        if let Some(n) = p.n {
            fields.push(("/n".to_string(), json!(n)));
        }
        if let Some(c) = &p.ciphertext {
            fields.push(("/ciphertext".to_string(), json!(c)));
        }
        if let Some(m) = &p.mac {
            fields.push(("/mac".to_string(), json!(m)));
        }
        checks.push(Check::new(
            "message_parse",
            "message_parse",
            json!({"message": test.message}),
            expect_outcome(p.result, p.error, &[], fields),
        ));
        Ok(checks)
    }
}
