//! `olm_prekey_message`: the decoding of Olm's pre-key message (olm.md, "Pre-Key Messages"):
//! 0x03 ‖ {0x0A one-time key, 0x12 base key, 0x1A identity key, 0x22 embedded normal
//! message}, with no MAC of its own (the embedded message carries one).

use std::collections::BTreeMap;

use ratchet_ref::primitives::olm_message::{
    OlmPreKeyMessage, BASE_KEY_TAG, IDENTITY_KEY_TAG, MESSAGE_TAG, ONE_TIME_KEY_TAG,
};
use ratchet_ref::primitives::wire::{self, MessageFields};
use ratchet_ref::primitives::{generate_dh_from_bytes, DhPublicKey, MessageKey};
use ratchet_ref::profile::MessageFormat;
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::olm_message::{olm_version, Payload};
use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{expect_outcome, Check};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmPreKeyMessageTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    /// The encoded pre-key message.
    pub message: Hex,
    /// What prekey_message_parse reads (when it succeeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_key: Option<Hex>,
    /// The embedded normal message, as bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded_message: Option<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(OlmPreKeyMessageTest);

pub struct OlmPreKeyMessageKind;

/// The test of `message` as the reference parses it; a message it accepts is valid, or
/// acceptable when `acceptable`.
fn test(
    version: u8,
    comment: String,
    flags: &[&str],
    message: Vec<u8>,
    acceptable: bool,
) -> OlmPreKeyMessageTest {
    let mut test = OlmPreKeyMessageTest {
        tc_id: 0,
        comment,
        flags: flags.iter().map(|f| f.to_string()).collect(),
        message: Hex::default(),
        version: None,
        one_time_key: None,
        base_key: None,
        identity_key: None,
        embedded_message: None,
        result: Outcome::Invalid,
        error: None,
    };
    match OlmPreKeyMessage::parse(&message, version) {
        Ok(m) => {
            test.result = if acceptable {
                Outcome::Acceptable
            } else {
                Outcome::Valid
            };
            test.version = Some(version);
            test.one_time_key = Some(Hex::from(m.one_time_key.0));
            test.base_key = Some(Hex::from(m.base_key.0));
            test.identity_key = Some(Hex::from(m.identity_key.0));
            test.embedded_message = Some(Hex::from(m.message));
        }
        Err(e) => test.error = Some(e.kind()),
    }
    test.message = Hex(message);
    test
}

/// version ‖ payload.
fn framed(version: u8, payload: &Payload) -> Vec<u8> {
    let mut out = vec![version];
    out.extend_from_slice(&payload.0);
    out
}

struct Keys {
    one_time: DhPublicKey,
    base: DhPublicKey,
    identity: DhPublicKey,
}

impl Keys {
    fn draw(rng: &mut VectorRng) -> Keys {
        let mut public = || generate_dh_from_bytes(rng.key()).public;
        Keys {
            one_time: public(),
            base: public(),
            identity: public(),
        }
    }
}

/// A real normal message: `plaintext_len` random bytes under a random message key.
fn embedded(rng: &mut VectorRng, profile: &Profile, plaintext_len: usize) -> Vec<u8> {
    let mk = MessageKey::from_bytes(rng.key());
    let fields = MessageFields {
        dh: generate_dh_from_bytes(rng.key()).public,
        pn: None,
        n: rng.below(4) as u32,
    };
    let plaintext = rng.bytes(plaintext_len);
    wire::seal(profile, &mk, &fields, &plaintext, &[])
}

impl KindSpec for OlmPreKeyMessageKind {
    const NAME: &'static str = "olm_prekey_message";
    type Test = OlmPreKeyMessageTest;

    /// Profiles whose messages are Olm's.
    fn applies_to(profile: &Profile) -> bool {
        matches!(profile.wire, MessageFormat::Olm(_))
    }

    fn header() -> Vec<String> {
        vec![
            "pre-key message = 0x03 ‖ 0x0A len oneTimeKey ‖ 0x12 len baseKey ‖ 0x1A len identityKey ‖ 0x22 len message, with no MAC of its own: the embedded normal message carries one.".into(),
            "prekey_message_parse(message) returns version, oneTimeKey, baseKey, identityKey and the embedded message's bytes (embeddedMessage), without decoding the embedded message.".into(),
            "Decoding (profile.wire.decoding): version 0x03; each field exactly once, in any order; 32-byte keys; minimal varints; unknown fields of wire type 0 or 2 skipped (acceptable tests), other wire types malformed.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        const SECTION: &str = "olm.md, The Olm Message Format: Pre-Key Messages";
        notes(&[
            ("Normal", note("Functionality", "Parses into exactly these keys and embedded message. An implementation that fails maps the tags to the wrong keys or cuts the embedded message short.", SECTION)),
            ("LongMessage", note("EdgeCase", "An embedded message whose length prefix takes two or three varint bytes: an implementation that fails reads the length as a single byte.", SECTION)),
            ("FieldOrder", note("Functionality", "The fields in another order than libolm writes them. olm.md fixes no order (the payload is key-value pairs, as in protocol buffers), so the message is valid; an implementation that fails reads fields by position.", SECTION)),
            ("WrongVersion", note("MissingCheck", "An outer version byte other than 0x03: malformed. olm.md says the version byte is 0x03; libolm does not check the pre-key message's version (only the embedded message's), so it accepts these.", SECTION)),
            ("EmptyInput", note("ModifiedInput", "An empty input: malformed, never an out-of-bounds read.", SECTION)),
            ("MissingField", note("MissingCheck", "The one-time key, base key, identity key or embedded message is absent: malformed. An implementation that accepts it defaults the key to zeros or the message to empty.", SECTION)),
            ("WrongKeyLength", note("ModifiedInput", "A key of 0, 31 or 33 bytes: malformed; Curve25519 public keys are 32 bytes. An implementation that accepts it pads, truncates or reads past the key.", SECTION)),
            ("RepeatedField", note("ModifiedInput", "A field appears twice with different values: malformed, as the profile decodes each field exactly once. Protocol buffers and libolm keep the last value, a hand-written decoder may keep the first, so two implementations would start different sessions. olm.md defines each field once and says nothing about repeats.", SECTION)),
            ("OverlongVarint", note("ModifiedInput", "A length or tag varint with trailing zero groups: malformed by the profile's decoding rule (minimal varints). olm.md does not say that varints are minimal; protocol buffers accept these.", SECTION)),
            ("TruncatedMessage", note("ModifiedInput", "The embedded message's length prefix claims more bytes than remain, or the input ends inside the prefix: malformed. An implementation that accepts it reads beyond the buffer or passes a short message on.", SECTION)),
            ("UnknownWireType", note("ModifiedInput", "A tag with wire type 1, 3 or 5: malformed; olm.md defines only 0 (integers) and 2 (strings). libolm stops decoding at such a tag and keeps the fields read so far.", SECTION)),
            ("UnknownField", note("EdgeCase", "An unknown field of wire type 0 or 2. Protocol buffers skip it and so does the reference; rejecting it is also acceptable, as olm.md says nothing about unknown keys.", SECTION)),
            ("WireTypeMismatch", note("EdgeCase", "A known field number with the other wire type (0x10: field 2 as an integer) next to the real fields. Keys are whole tags, so the reference treats it as an unknown key and skips it; rejecting it is also acceptable.", SECTION)),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<OlmPreKeyMessageTest>> {
        let Some(version) = olm_version(profile) else {
            return Vec::new();
        };
        let all = |k: &Keys, message: &[u8]| {
            Payload::new()
                .string(ONE_TIME_KEY_TAG, &k.one_time.0)
                .string(BASE_KEY_TAG, &k.base.0)
                .string(IDENTITY_KEY_TAG, &k.identity.0)
                .string(MESSAGE_TAG, message)
        };

        let mut valid = Vec::new();
        for (i, len) in [
            0usize, 1, 5, 15, 16, 17, 31, 32, 48, 64, 100, 111, 112, 16_368,
        ]
        .into_iter()
        .enumerate()
        {
            let keys = Keys::draw(rng);
            let message = embedded(rng, profile, len);
            let encoded = OlmPreKeyMessage {
                one_time_key: keys.one_time,
                base_key: keys.base,
                identity_key: keys.identity,
                message: &message,
            }
            .encode(version);
            assert_eq!(
                encoded,
                framed(version, &all(&keys, &message)),
                "the generator's pre-key encoder departs from the reference"
            );
            let flags: &[&str] = if message.len() >= 128 {
                &["Normal", "LongMessage"]
            } else {
                &["Normal"]
            };
            valid.push(test(
                version,
                format!(
                    "pre-key message #{i}: a {}-byte embedded message ({len}-byte plaintext)",
                    message.len()
                ),
                flags,
                encoded,
                false,
            ));
        }
        let keys = Keys::draw(rng);
        let message = embedded(rng, profile, 20);
        let fields = |k: &Keys, message: &[u8]| {
            [
                (ONE_TIME_KEY_TAG, k.one_time.0.to_vec()),
                (BASE_KEY_TAG, k.base.0.to_vec()),
                (IDENTITY_KEY_TAG, k.identity.0.to_vec()),
                (MESSAGE_TAG, message.to_vec()),
            ]
        };
        let names = ["one-time key", "base key", "identity key", "message"];
        for (what, order) in [
            ("reversed", [3usize, 2, 1, 0]),
            ("message first", [3, 0, 1, 2]),
            ("identity key first", [2, 0, 1, 3]),
            (
                "base key, one-time key, message, identity key",
                [1, 0, 3, 2],
            ),
        ] {
            let f = fields(&keys, &message);
            let payload = order
                .iter()
                .fold(Payload::new(), |p, &i| p.string(f[i].0, &f[i].1));
            valid.push(test(
                version,
                format!("fields in another order: {what}"),
                &["FieldOrder"],
                framed(version, &payload),
                false,
            ));
        }

        let mut invalid = Vec::new();
        let keys = Keys::draw(rng);
        let message = embedded(rng, profile, 10);
        let honest = all(&keys, &message);
        for wrong in [0x02u8, 0x04, 0x00, 0x01] {
            invalid.push(test(
                version,
                format!("outer version byte 0x{wrong:02x}"),
                &["WrongVersion"],
                framed(wrong, &honest),
                false,
            ));
        }
        invalid.push(test(
            version,
            "empty input".into(),
            &["EmptyInput"],
            Vec::new(),
            false,
        ));
        invalid.push(test(
            version,
            "the version byte alone".into(),
            &["EmptyInput", "MissingField"],
            vec![version],
            false,
        ));
        let f = fields(&keys, &message);
        for (missing, name) in names.iter().enumerate() {
            let payload = f
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != missing)
                .fold(Payload::new(), |p, (_, (tag, value))| p.string(*tag, value));
            invalid.push(test(
                version,
                format!("{name} missing"),
                &["MissingField"],
                framed(version, &payload),
                false,
            ));
        }
        for (field, len) in [
            (0usize, 31usize),
            (1, 31),
            (2, 31),
            (0, 33),
            (1, 0),
            (2, 33),
        ] {
            let mut f = fields(&keys, &message);
            f[field].1 = rng.bytes(len);
            let payload = f
                .iter()
                .fold(Payload::new(), |p, (tag, value)| p.string(*tag, value));
            invalid.push(test(
                version,
                format!("{len}-byte {}", names[field]),
                &["WrongKeyLength"],
                framed(version, &payload),
                false,
            ));
        }
        let other = Keys::draw(rng);
        invalid.push(test(
            version,
            "base key twice (two different keys)".into(),
            &["RepeatedField"],
            framed(version, &honest.clone().string(BASE_KEY_TAG, &other.base.0)),
            false,
        ));
        invalid.push(test(
            version,
            "identity key twice (two different keys)".into(),
            &["RepeatedField"],
            framed(
                version,
                &Payload::new()
                    .string(IDENTITY_KEY_TAG, &other.identity.0)
                    .raw(&honest.0),
            ),
            false,
        ));
        invalid.push(test(
            version,
            "embedded message twice".into(),
            &["RepeatedField"],
            framed(version, &honest.clone().string(MESSAGE_TAG, &message)),
            false,
        ));
        let keys_only = Payload::new()
            .string(ONE_TIME_KEY_TAG, &keys.one_time.0)
            .string(BASE_KEY_TAG, &keys.base.0)
            .string(IDENTITY_KEY_TAG, &keys.identity.0);
        invalid.push(test(
            version,
            "one-time key length 32 as 0xa0 0x00".into(),
            &["OverlongVarint"],
            framed(
                version,
                &Payload::new()
                    .raw(&[ONE_TIME_KEY_TAG, 0xa0, 0x00])
                    .raw(&keys.one_time.0)
                    .string(BASE_KEY_TAG, &keys.base.0)
                    .string(IDENTITY_KEY_TAG, &keys.identity.0)
                    .string(MESSAGE_TAG, &message),
            ),
            false,
        ));
        invalid.push(test(
            version,
            "base key tag 0x12 as 0x92 0x00".into(),
            &["OverlongVarint"],
            framed(
                version,
                &Payload::new()
                    .string(ONE_TIME_KEY_TAG, &keys.one_time.0)
                    .raw(&[0x80 | BASE_KEY_TAG, 0x00, 32])
                    .raw(&keys.base.0)
                    .string(IDENTITY_KEY_TAG, &keys.identity.0)
                    .string(MESSAGE_TAG, &message),
            ),
            false,
        ));
        invalid.push(test(
            version,
            "embedded message length as a two-byte varint where one suffices".into(),
            &["OverlongVarint"],
            framed(
                version,
                &keys_only
                    .clone()
                    .raw(&[MESSAGE_TAG, 0x80 | message.len() as u8, 0x00])
                    .raw(&message),
            ),
            false,
        ));
        invalid.push(test(
            version,
            "embedded message length one more than the bytes left".into(),
            &["TruncatedMessage"],
            framed(
                version,
                &keys_only
                    .clone()
                    .raw(&[MESSAGE_TAG, message.len() as u8 + 1])
                    .raw(&message),
            ),
            false,
        ));
        invalid.push(test(
            version,
            "embedded message cut one byte short of its length".into(),
            &["TruncatedMessage"],
            framed(
                version,
                &keys_only
                    .clone()
                    .string(MESSAGE_TAG, &message)
                    .0
                    .split_last()
                    .map(|(_, rest)| Payload(rest.to_vec()))
                    .unwrap_or_default(),
            ),
            false,
        ));
        invalid.push(test(
            version,
            "input ends inside the embedded message's length prefix".into(),
            &["TruncatedMessage"],
            framed(version, &keys_only.clone().raw(&[MESSAGE_TAG, 0x80])),
            false,
        ));
        invalid.push(test(
            version,
            "start-group tag 0x0b after the fields".into(),
            &["UnknownWireType"],
            framed(version, &honest.clone().raw(&[0x0b])),
            false,
        ));
        invalid.push(test(
            version,
            "fixed64 field 0x29 before the fields".into(),
            &["UnknownWireType"],
            framed(
                version,
                &Payload::new()
                    .raw(&[0x29])
                    .raw(&rng.bytes(8))
                    .raw(&honest.0),
            ),
            false,
        ));

        let mut unknown = Vec::new();
        let extra = rng.bytes(6);
        for (what, flags, payload) in [
            (
                "unknown integer field 0x28 after the fields",
                &["UnknownField"][..],
                honest.clone().varint(0x28, 1),
            ),
            (
                "unknown string field 0x2a after the fields",
                &["UnknownField"][..],
                honest.clone().string(0x2a, &extra),
            ),
            (
                "unknown string field 0x32 before the fields",
                &["UnknownField"][..],
                Payload::new().string(0x32, &extra).raw(&honest.0),
            ),
            (
                "field 2 as an integer (tag 0x10) next to the base key",
                &["WireTypeMismatch"][..],
                honest.clone().varint(0x10, 7),
            ),
        ] {
            unknown.push(test(
                version,
                what.into(),
                flags,
                framed(version, &payload),
                true,
            ));
        }

        vec![
            TestGroup {
                group_type: "OlmPreKeyMessageTest".into(),
                comment: "pre-key messages that parse".into(),
                tests: valid,
            },
            TestGroup {
                group_type: "OlmPreKeyMessageTest".into(),
                comment: "pre-key messages that do not decode".into(),
                tests: invalid,
            },
            TestGroup {
                group_type: "OlmPreKeyMessageTest".into(),
                comment: "unknown keys: skipping or rejecting them is acceptable".into(),
                tests: unknown,
            },
        ]
    }

    fn checks(test: &OlmPreKeyMessageTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut fields = Vec::new();
        for (pointer, value) in [
            ("/oneTimeKey", &test.one_time_key),
            ("/baseKey", &test.base_key),
            ("/identityKey", &test.identity_key),
            ("/message", &test.embedded_message),
        ] {
            if let Some(v) = value {
                fields.push((pointer.to_string(), json!(v)));
            }
        }
        if let Some(v) = test.version {
            fields.insert(0, ("/version".to_string(), json!(v)));
        }
        Ok(vec![Check::new(
            "prekey_message_parse",
            "prekey_message_parse",
            json!({"message": test.message}),
            expect_outcome(test.result, test.error, &[], fields),
        )])
    }
}
