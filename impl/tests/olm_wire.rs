//! Olm's varints and message decoding against a real implementation's expected values: the
//! bytes below are libolm's own, from its tests/test_message.cpp ("Group message encode
//! test" and the "Message decode test" message).

use ratchet_ref::primitives::olm_message::{
    decode_varint, encode_varint, OlmMessage, OlmPreKeyMessage,
};
use ratchet_ref::{ErrorKind, Profile};

fn max_index() -> u64 {
    Profile::olm().wire.max_counter()
}

#[test]
fn varint_of_200_is_c8_01() {
    // libolm tests/test_message.cpp, "Group message encode test": message index 200 is
    // written as \xC8\x01.
    let mut out = Vec::new();
    encode_varint(200, &mut out);
    assert_eq!(out, [0xc8, 0x01]);
    assert_eq!(decode_varint(&out).unwrap(), (200, 2));
}

#[test]
fn group_message_prefix_matches_libolm() {
    // libolm tests/test_message.cpp, "Group message encode test": version 3, message index
    // 200 (tag 0x08), then the ciphertext's tag 0x12 and length 10:
    // "\x03" "\x08\xC8\x01" "\x12\x0A".
    let mut out = vec![0x03, 0x08];
    encode_varint(200, &mut out);
    out.push(0x12);
    encode_varint(10, &mut out);
    assert_eq!(out, b"\x03\x08\xC8\x01\x12\x0A");
}

#[test]
fn varint_boundaries() {
    for (value, bytes) in [
        (0u64, &[0x00][..]),
        (127, &[0x7f]),
        (128, &[0x80, 0x01]),
        (16_383, &[0xff, 0x7f]),
        (16_384, &[0x80, 0x80, 0x01]),
        (u64::from(u32::MAX), &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        (
            u64::MAX,
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        ),
    ] {
        let mut out = Vec::new();
        encode_varint(value, &mut out);
        assert_eq!(out, bytes, "encoding {value}");
        assert_eq!(decode_varint(bytes).unwrap(), (value, bytes.len()));
    }
}

#[test]
fn overlong_varint_is_malformed() {
    // 0 in two bytes: a trailing zero group.
    let err = decode_varint(&[0x80, 0x00]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    // 1 in three bytes.
    let err = decode_varint(&[0x81, 0x80, 0x00]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
}

#[test]
fn eleven_byte_varint_is_malformed() {
    let mut bytes = vec![0xff; 10];
    bytes.push(0x01);
    let err = decode_varint(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    // Ten bytes whose last group does not fit in 64 bits.
    let mut bytes = vec![0xff; 9];
    bytes.push(0x02);
    assert_eq!(
        decode_varint(&bytes).unwrap_err().kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn truncated_varint_is_malformed() {
    for bytes in [&[][..], &[0x80], &[0xff, 0xff]] {
        assert_eq!(
            decode_varint(bytes).unwrap_err().kind(),
            ErrorKind::Malformed
        );
    }
}

#[test]
fn libolm_test_message_with_a_10_byte_ratchet_key_is_malformed() {
    // libolm tests/test_message.cpp, "Message decode test": libolm's decoder reads this
    // message (chain index 1, a 10-byte "ratchet key", a 10-byte ciphertext, MAC
    // "hmacsha2"). A Curve25519 ratchet key is 32 bytes, so the reference refuses it.
    let message = b"\x03\x10\x01\n\nratchetkey\"\nciphertexthmacsha2";
    assert_eq!(message.len(), 35);
    let err = OlmMessage::parse(message, 0x03, 8, max_index()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
}

#[test]
fn same_message_with_a_32_byte_key_parses_in_either_field_order() {
    // libolm's two test messages differ only in field order; with a real key length both
    // parse, to the same fields.
    let key = [0x5a; 32];
    let build = |index_first: bool| {
        let mut out = vec![0x03];
        let key_field = [&[0x0a, 0x20][..], &key].concat();
        if index_first {
            out.extend_from_slice(&[0x10, 0x01]);
            out.extend_from_slice(&key_field);
        } else {
            out.extend_from_slice(&key_field);
            out.extend_from_slice(&[0x10, 0x01]);
        }
        out.extend_from_slice(b"\"\nciphertexthmacsha2");
        out
    };
    for index_first in [true, false] {
        let message = build(index_first);
        let parsed = OlmMessage::parse(&message, 0x03, 8, max_index()).unwrap();
        assert_eq!(parsed.ratchet_key.0, key);
        assert_eq!(parsed.chain_index, 1);
        assert_eq!(parsed.ciphertext, b"ciphertext");
        assert_eq!(parsed.mac, b"hmacsha2");
    }
}

#[test]
fn unknown_fields_are_skipped_wherever_they_are() {
    // Protobuf's rule, which libolm's decoder follows: a field of an unknown number is skipped
    // by its wire type. The vectors also accept refusing them; the reference skips them.
    let key = [0x5a; 32];
    let unknown_varint = [0x18, 0x96, 0x01]; // field 3, varint 150
    let unknown_bytes = [0x2a, 0x03, b'x', b'y', b'z']; // field 5, 3 bytes
    let mut message = vec![0x03];
    message.extend_from_slice(&unknown_bytes);
    message.extend_from_slice(&[0x0a, 0x20]);
    message.extend_from_slice(&key);
    message.extend_from_slice(&unknown_varint);
    message.extend_from_slice(&[0x10, 0x07]);
    message.extend_from_slice(b"\"\nciphertext");
    message.extend_from_slice(&unknown_bytes);
    message.extend_from_slice(b"hmacsha2");
    let parsed = OlmMessage::parse(&message, 0x03, 8, max_index()).unwrap();
    assert_eq!(parsed.ratchet_key.0, key);
    assert_eq!(parsed.chain_index, 7);
    assert_eq!(parsed.ciphertext, b"ciphertext");
    assert_eq!(parsed.mac, b"hmacsha2");

    // The same in a pre-key message around its embedded message.
    let mut prekey = vec![0x03];
    for tag in [0x0a, 0x12, 0x1a] {
        prekey.push(tag);
        prekey.push(0x20);
        prekey.extend_from_slice(&[tag; 32]);
    }
    prekey.extend_from_slice(&unknown_bytes);
    prekey.push(0x22);
    prekey.push(u8::try_from(message.len()).unwrap());
    prekey.extend_from_slice(&message);
    prekey.extend_from_slice(&unknown_varint);
    let parsed = OlmPreKeyMessage::parse(&prekey, 0x03).unwrap();
    assert_eq!(parsed.one_time_key.0, [0x0a; 32]);
    assert_eq!(parsed.base_key.0, [0x12; 32]);
    assert_eq!(parsed.identity_key.0, [0x1a; 32]);
    assert_eq!(parsed.message, &message[..]);
}

#[test]
fn the_chain_index_parses_up_to_the_counter_width_and_not_beyond() {
    let message = |index: u64| {
        let mut out = vec![0x03, 0x0a, 0x20];
        out.extend_from_slice(&[0x5a; 32]);
        out.push(0x10);
        encode_varint(index, &mut out);
        out.extend_from_slice(b"\"\nciphertexthmacsha2");
        out
    };
    let top = max_index();
    let at_top = message(top);
    let parsed = OlmMessage::parse(&at_top, 0x03, 8, top).unwrap();
    assert_eq!(parsed.chain_index, top);
    let err = OlmMessage::parse(&message(top + 1), 0x03, 8, top).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
}
