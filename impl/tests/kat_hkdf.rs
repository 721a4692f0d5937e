//! RFC 5869 appendix A, test cases 1 to 3 (HKDF-SHA256), against the HKDF under X3DH, KDF_RK
//! and ENCRYPT.

use ratchet_ref::primitives::hkdf_sha256::{hkdf_sha256, hkdf_sha256_extract, MAX_OUTPUT};
use ratchet_ref::ErrorKind;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn case(ikm: &[u8], salt: &[u8], info: &[u8], prk: &str, okm: &str) {
    assert_eq!(hkdf_sha256_extract(salt, ikm).to_vec(), h(prk), "PRK");
    let mut out = vec![0u8; okm.len() / 2];
    hkdf_sha256(salt, ikm, info, &mut out).unwrap();
    assert_eq!(out, h(okm), "OKM");
}

#[test]
fn rfc5869_case1_basic() {
    case(
        &[0x0b; 22],
        &h("000102030405060708090a0b0c"),
        &h("f0f1f2f3f4f5f6f7f8f9"),
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
}

#[test]
fn rfc5869_case2_long_inputs() {
    let ikm: Vec<u8> = (0x00..=0x4f).collect();
    let salt: Vec<u8> = (0x60..=0xaf).collect();
    let info: Vec<u8> = (0xb0..=0xff).collect();
    case(
        &ikm,
        &salt,
        &info,
        "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c\
         59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71\
         cc30c58179ec3e87c14c01d5c1f3434f1d87",
    );
}

#[test]
fn rfc5869_case3_empty_salt_and_info() {
    case(
        &[0x0b; 22],
        &[],
        &[],
        "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
}

#[test]
fn rfc5869_zero_salt_equals_empty_salt() {
    // RFC 5869 section 2.2: an absent salt is HashLen zero bytes. ENCRYPT and X3DH rely on it.
    assert_eq!(
        hkdf_sha256_extract(&[0u8; 32], &[0x0b; 22]),
        hkdf_sha256_extract(&[], &[0x0b; 22])
    );
}

#[test]
fn output_beyond_255_blocks_is_a_typed_error() {
    let mut out = vec![0u8; MAX_OUTPUT + 1];
    let err = hkdf_sha256(b"salt", b"ikm", b"info", &mut out).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
}
