//! HEADER, CONCAT and message framing.

use ratchet_ref::primitives::{concat, DhPublicKey, Header, Message};
use ratchet_ref::{ErrorKind, Profile};

fn header() -> Header {
    Header {
        dh: DhPublicKey([0xab; 32]),
        pn: 0x01020304,
        n: 0xfffffffe,
    }
}

#[test]
fn header_is_key_then_big_endian_pn_and_n() {
    let bytes = header().encode();
    assert_eq!(&bytes[..32], &[0xab; 32]);
    assert_eq!(&bytes[32..36], &[1, 2, 3, 4]);
    assert_eq!(&bytes[36..], &[0xff, 0xff, 0xff, 0xfe]);
    assert_eq!(Header::decode(&bytes).unwrap(), header());
}

#[test]
fn header_of_any_other_length_is_malformed() {
    let bytes = header().encode();
    let mut long = bytes.to_vec();
    long.push(0);
    for bad in [&bytes[..39], &bytes[..0], &long[..]] {
        assert_eq!(
            Header::decode(bad).unwrap_err().kind(),
            ErrorKind::Malformed
        );
    }
}

#[test]
fn concat_is_ad_then_header() {
    let out = concat(b"ad", &header());
    assert_eq!(&out[..2], b"ad");
    assert_eq!(&out[2..], &header().encode());
    assert_eq!(concat(b"", &header()), header().encode());
}

#[test]
fn framing_splits_header_and_body() {
    let profile = Profile::spec();
    let body = [7u8; 48];
    let framed = Message::encode(&header(), &body);
    let parsed = Message::parse(&profile, &framed).unwrap();
    assert_eq!(parsed.header, header());
    assert_eq!(parsed.header_bytes, &header().encode());
    assert_eq!(parsed.body, &body);
}

#[test]
fn framing_shorter_than_header_and_tag_is_malformed() {
    let profile = Profile::spec();
    let framed = Message::encode(&header(), &[7u8; 32]);
    assert!(Message::parse(&profile, &framed).is_ok());
    for len in [0, 39, 40, 71] {
        let err = Message::parse(&profile, &framed[..len]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
    }
}
