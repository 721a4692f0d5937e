//! RFC 4231 section 4, test cases 1 to 7 (HMAC-SHA256), against the HMAC under KDF_CK and
//! the message tag.

use ratchet_ref::primitives::hmac_sha256::{hmac_sha256, HmacSha256};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn case(key: &[u8], data: &[u8], expected: &str) {
    let tag = hmac_sha256(key, data);
    let expected = h(expected);
    assert_eq!(&tag[..expected.len()], &expected[..]);
}

#[test]
fn rfc4231_case1() {
    case(
        &[0x0b; 20],
        b"Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
}

#[test]
fn rfc4231_case2_short_key() {
    case(
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
}

#[test]
fn rfc4231_case3() {
    case(
        &[0xaa; 20],
        &[0xdd; 50],
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    );
}

#[test]
fn rfc4231_case4() {
    let key: Vec<u8> = (0x01..=0x19).collect();
    case(
        &key,
        &[0xcd; 50],
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    );
}

#[test]
fn rfc4231_case5_truncated_to_128_bits() {
    case(
        &[0x0c; 20],
        b"Test With Truncation",
        "a3b6167473100ee06e0c796c2955552b",
    );
}

#[test]
fn rfc4231_case6_key_longer_than_block() {
    case(
        &[0xaa; 131],
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    );
}

#[test]
fn rfc4231_case7_key_and_data_longer_than_block() {
    case(
        &[0xaa; 131],
        b"This is a test using a larger than block-size key and a larger than block-size data. \
          The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    );
}

#[test]
fn rfc4231_case2_fed_in_pieces_matches() {
    let mut mac = HmacSha256::new(b"Jefe");
    mac.update(b"what do ya want ");
    mac.update(b"for nothing?");
    assert_eq!(
        mac.finalize().to_vec(),
        h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
}
