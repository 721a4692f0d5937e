//! `aead_decrypt`: arbitrary key, AD and ciphertext into `primitives::aead::decrypt`, plus an
//! ENCRYPT/DECRYPT round trip of arbitrary plaintext.
//!
//! Input: one mode byte (bit 0 set: the check appends the correct tag for the body itself, so
//! the post-MAC checks, block length and PKCS#7 padding, are reached with arbitrary
//! ciphertext), 32 key bytes, a length byte and up to 64 AD bytes, then the body.
//!
//! The expected result is computed independently from the building blocks (HKDF expansion,
//! HMAC-SHA256, raw AES-256-CBC, each anchored to published known answers) and an own PKCS#7
//! check, following the documented order: shorter than a tag is `malformed`; a wrong tag is
//! `auth_failed`; then an empty or partial-block ciphertext or bad padding is `malformed`.
//! A success must re-encrypt to the exact input (ENCRYPT is deterministic: the IV comes from
//! the message key).

use ratchet_ref::primitives::aes_cbc::aes256_cbc_decrypt_blocks;
use ratchet_ref::primitives::hmac_sha256::HmacSha256;
use ratchet_ref::primitives::MessageKeyMaterial;
use ratchet_ref::primitives::{decrypt, derive_message_key_material, encrypt, MessageKey};
use ratchet_ref::{ErrorKind, Profile};

use super::input::ByteReader;

const TAG_LEN: usize = 32;
const BLOCK: usize = 16;

/// What DECRYPT did with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AeadOutcome {
    /// It decrypted.
    Decrypted,
    /// It was rejected with this kind.
    Rejected(ErrorKind),
}

/// The `aead_decrypt` check.
pub fn check_aead_decrypt(data: &[u8]) -> AeadOutcome {
    let profile = Profile::spec();
    let mut input = ByteReader::new(data);
    let append_tag = input.bool();
    let key = MessageKey::from_bytes(input.array32());
    let ad = input.short_bytes(64);
    let body = input.rest();
    let material = derive_message_key_material(&profile, &key);

    let mut message = body.to_vec();
    if append_tag {
        message.extend_from_slice(&tag(&material, ad, body));
    }
    let expected = expected_decrypt(&material, ad, &message);
    let outcome = match decrypt(&profile, &key, &message, ad) {
        Ok(plaintext) => {
            assert_eq!(Ok(&plaintext), expected.as_ref(), "DECRYPT accepted");
            assert_eq!(
                encrypt(&profile, &key, &plaintext, ad),
                message,
                "a decrypted message does not re-encrypt to itself"
            );
            AeadOutcome::Decrypted
        }
        Err(e) => {
            assert_eq!(
                Err(e.kind()),
                expected.map(|_| ()),
                "DECRYPT of {} bytes: {e}",
                message.len()
            );
            AeadOutcome::Rejected(e.kind())
        }
    };
    round_trip(&profile, &key, body, ad);
    outcome
}

fn tag(material: &MessageKeyMaterial, ad: &[u8], ciphertext: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new(&material.auth_key);
    mac.update(ad);
    mac.update(ciphertext);
    mac.finalize()
}

fn expected_decrypt(
    material: &MessageKeyMaterial,
    ad: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, ErrorKind> {
    if message.len() < TAG_LEN {
        return Err(ErrorKind::Malformed);
    }
    let (ciphertext, received) = message.split_at(message.len() - TAG_LEN);
    if tag(material, ad, ciphertext) != received {
        return Err(ErrorKind::AuthFailed);
    }
    if ciphertext.is_empty() || ciphertext.len() % BLOCK != 0 {
        return Err(ErrorKind::Malformed);
    }
    let mut padded = ciphertext.to_vec();
    if aes256_cbc_decrypt_blocks(&material.enc_key, &material.iv, &mut padded).is_err() {
        panic!("AES-CBC refused whole blocks");
    }
    let pad = usize::from(padded[padded.len() - 1]);
    if pad == 0
        || pad > BLOCK
        || padded[padded.len() - pad..]
            .iter()
            .any(|&b| usize::from(b) != pad)
    {
        return Err(ErrorKind::Malformed);
    }
    padded.truncate(padded.len() - pad);
    Ok(padded)
}

/// ENCRYPT then DECRYPT gives the plaintext back; one flipped bit, or another AD, fails the
/// MAC.
fn round_trip(profile: &Profile, key: &MessageKey, plaintext: &[u8], ad: &[u8]) {
    let sealed = encrypt(profile, key, plaintext, ad);
    assert_eq!(
        sealed.len(),
        (plaintext.len() / BLOCK + 1) * BLOCK + TAG_LEN,
        "ciphertext length"
    );
    assert_eq!(
        decrypt(profile, key, &sealed, ad).as_deref(),
        Ok(plaintext),
        "round trip"
    );
    let bit = (plaintext.len() * 7 + ad.len() * 13) % (sealed.len() * 8);
    let mut forged = sealed.clone();
    forged[bit / 8] ^= 1 << (bit % 8);
    assert_eq!(
        decrypt(profile, key, &forged, ad).map_err(|e| e.kind()),
        Err(ErrorKind::AuthFailed),
        "bit {bit} flipped"
    );
    let mut other_ad = ad.to_vec();
    other_ad.push(0);
    assert_eq!(
        decrypt(profile, key, &sealed, &other_ad).map_err(|e| e.kind()),
        Err(ErrorKind::AuthFailed),
        "other AD"
    );
}
