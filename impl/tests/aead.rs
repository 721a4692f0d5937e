//! ENCRYPT / DECRYPT of the spec profile: construction, round trips and every rejection.

use ratchet_ref::primitives::aead::{decrypt, derive_message_key_material, encrypt};
use ratchet_ref::primitives::aes_cbc::aes256_cbc_encrypt_blocks;
use ratchet_ref::primitives::hkdf_sha256::hkdf_sha256;
use ratchet_ref::primitives::hmac_sha256::hmac_sha256;
use ratchet_ref::primitives::MessageKey;
use ratchet_ref::{ErrorKind, Profile};

const MK: [u8; 32] = [0x5a; 32];

fn mk() -> MessageKey {
    MessageKey::from_bytes(MK)
}

#[test]
fn construction_is_hkdf80_then_cbc_then_hmac_over_ad_and_ciphertext() {
    // Rebuilds ENCRYPT from the building blocks (each anchored to its RFC / NIST vectors).
    let profile = Profile::spec();
    let mut okm = [0u8; 80];
    hkdf_sha256(&[0u8; 32], &MK, profile.aead.info.as_bytes(), &mut okm).unwrap();
    let material = derive_message_key_material(&profile, &mk());
    assert_eq!(material.enc_key, okm[..32]);
    assert_eq!(material.auth_key, okm[32..64]);
    assert_eq!(material.iv, okm[64..]);

    let plaintext = b"seventeen bytes!!";
    let mut padded = plaintext.to_vec();
    padded.extend_from_slice(&[15u8; 15]);
    aes256_cbc_encrypt_blocks(&material.enc_key, &material.iv, &mut padded).unwrap();
    let mut mac_input = b"ad".to_vec();
    mac_input.extend_from_slice(&padded);
    let tag = hmac_sha256(&material.auth_key, &mac_input);
    let mut expected = padded.clone();
    expected.extend_from_slice(&tag);

    assert_eq!(encrypt(&profile, &mk(), plaintext, b"ad"), expected);
}

#[test]
fn round_trips_for_every_size_class() {
    let profile = Profile::spec();
    for len in [0usize, 1, 15, 16, 17, 31, 32, 1000, 65536] {
        let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let ct = encrypt(&profile, &mk(), &plaintext, b"ad");
        assert_eq!(ct.len(), (len / 16 + 1) * 16 + 32, "size {len}");
        assert_eq!(decrypt(&profile, &mk(), &ct, b"ad").unwrap(), plaintext);
    }
}

fn expect(input: &[u8], ad: &[u8], kind: ErrorKind) {
    let err = decrypt(&Profile::spec(), &mk(), input, ad).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
}

#[test]
fn every_flipped_bit_in_ciphertext_tag_or_ad_fails_authentication() {
    let profile = Profile::spec();
    let ct = encrypt(&profile, &mk(), b"a message of some length", b"associated");
    for byte in 0..ct.len() {
        let mut bad = ct.clone();
        bad[byte] ^= 0x10;
        expect(&bad, b"associated", ErrorKind::AuthFailed);
    }
    expect(&ct, b"associatee", ErrorKind::AuthFailed);
    expect(&ct, b"", ErrorKind::AuthFailed);
}

#[test]
fn truncation_and_empty_input() {
    let profile = Profile::spec();
    let ct = encrypt(&profile, &mk(), b"0123456789abcdef0123", b"");
    expect(&[], b"", ErrorKind::Malformed);
    expect(&ct[..31], b"", ErrorKind::Malformed);
    expect(&ct[..ct.len() - 1], b"", ErrorKind::AuthFailed);
    expect(&ct[16..], b"", ErrorKind::AuthFailed);
    // Only the tag: it cannot match a ciphertext it was not made for.
    expect(&ct[ct.len() - 32..], b"", ErrorKind::AuthFailed);
}

fn authenticated(ciphertext: &[u8], ad: &[u8]) -> Vec<u8> {
    let material = derive_message_key_material(&Profile::spec(), &mk());
    let mut mac_input = ad.to_vec();
    mac_input.extend_from_slice(ciphertext);
    let mut out = ciphertext.to_vec();
    out.extend_from_slice(&hmac_sha256(&material.auth_key, &mac_input));
    out
}

#[test]
fn structure_is_checked_after_the_mac() {
    // A valid MAC over a ciphertext of 17 bytes, of 0 bytes, and over blocks whose padding
    // is wrong: all `malformed`, never plaintext.
    expect(&authenticated(&[0u8; 17], b""), b"", ErrorKind::Malformed);
    expect(&authenticated(&[], b""), b"", ErrorKind::Malformed);
    let material = derive_message_key_material(&Profile::spec(), &mk());
    for bad_padding in [[0u8; 16], [17u8; 16], {
        let mut b = [3u8; 16];
        b[13] = 2;
        b
    }] {
        let mut block = bad_padding;
        aes256_cbc_encrypt_blocks(&material.enc_key, &material.iv, &mut block).unwrap();
        expect(&authenticated(&block, b"x"), b"x", ErrorKind::Malformed);
    }
}

#[test]
fn different_keys_give_unrelated_ciphertexts() {
    let profile = Profile::spec();
    let a = encrypt(&profile, &mk(), b"same", b"");
    let b = encrypt(&profile, &MessageKey::from_bytes([0x5b; 32]), b"same", b"");
    assert_ne!(a, b);
    let err = decrypt(&profile, &MessageKey::from_bytes([0x5b; 32]), &a, b"").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthFailed);
}

#[test]
fn encrypt_allocates_the_exact_output_once() {
    // ENCRYPT reserves padded length + tag up front: the output has no spare capacity, which
    // it would have after growing (or after reserving too much).
    let profile = Profile::spec();
    for len in [0usize, 1, 15, 16, 17, 100, 1000, 4096] {
        let ct = encrypt(&profile, &mk(), &vec![7u8; len], b"ad");
        assert_eq!(ct.capacity(), ct.len(), "size {len}");
    }
}
