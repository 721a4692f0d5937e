//! ENCRYPT / DECRYPT (DR spec section 5.2): the message key is expanded with HKDF-SHA256 (zero
//! salt) into an AES-256 key, an HMAC-SHA256 key and a CBC IV; the plaintext is encrypted with
//! AES-256-CBC and PKCS#7 padding; HMAC-SHA256(auth key, AD ‖ ciphertext), truncated to the
//! profile's MAC length, is appended.
//!
//! DECRYPT checks, in this order: the input is at least one tag long (`malformed`), the tag
//! (`auth_failed`, compared in constant time), then the ciphertext length is a non-zero
//! multiple of the block size and the padding is valid (`malformed`). Nothing about the
//! ciphertext is interpreted before it is authenticated.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::aes_cbc::{
    aes256_cbc_decrypt_blocks, aes256_cbc_encrypt_blocks, pkcs7_pad, pkcs7_unpadded_len, BLOCK,
};
use super::hkdf_sha256::hkdf_sha256;
use super::hmac_sha256::HmacSha256;
use super::kdf_ck::MessageKey;
use crate::error::{Error, Result};
use crate::profile::{Cipher, Profile};

/// The three values HKDF derives from one message key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MessageKeyMaterial {
    /// AES-256 key.
    pub enc_key: [u8; 32],
    /// HMAC-SHA256 key.
    pub auth_key: [u8; 32],
    /// CBC initialisation vector.
    pub iv: [u8; 16],
}

impl std::fmt::Debug for MessageKeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MessageKeyMaterial([redacted])")
    }
}

/// HKDF-SHA256(salt = zeros, ikm = mk, info) → enc key ‖ auth key ‖ IV.
pub fn derive_message_key_material(profile: &Profile, mk: &MessageKey) -> MessageKeyMaterial {
    let Cipher::Aes256CbcPkcs7 = profile.aead.cipher;
    let salt = [0u8; 32];
    let mut okm = zeroize::Zeroizing::new([0u8; 80]);
    if hkdf_sha256(
        &salt[..profile.aead.salt_zero_bytes.min(32)],
        mk.expose(),
        profile.aead.info.as_bytes(),
        okm.as_mut(),
    )
    .is_err()
    {
        unreachable!("HKDF-SHA256 expands to 80 bytes");
    }
    let mut material = MessageKeyMaterial {
        enc_key: [0; 32],
        auth_key: [0; 32],
        iv: [0; 16],
    };
    material.enc_key.copy_from_slice(&okm[..32]);
    material.auth_key.copy_from_slice(&okm[32..64]);
    material.iv.copy_from_slice(&okm[64..80]);
    material
}

fn mac(material: &MessageKeyMaterial, ad_parts: &[&[u8]], ciphertext: &[u8]) -> [u8; 32] {
    let mut hmac = HmacSha256::new(&material.auth_key);
    for part in ad_parts {
        hmac.update(part);
    }
    hmac.update(ciphertext);
    hmac.finalize()
}

/// ENCRYPT(mk, plaintext, ad) → ciphertext ‖ tag.
pub fn encrypt(profile: &Profile, mk: &MessageKey, plaintext: &[u8], ad: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encrypt_into(profile, mk, plaintext, &[ad], &mut out);
    out
}

/// ENCRYPT appending to `out`, with the associated data given in pieces (so CONCAT(ad,
/// header) needs no buffer of its own). Allocates at most once, in `out`.
pub fn encrypt_into(
    profile: &Profile,
    mk: &MessageKey,
    plaintext: &[u8],
    ad_parts: &[&[u8]],
    out: &mut Vec<u8>,
) {
    let material = derive_message_key_material(profile, mk);
    let mac_len = profile.aead.mac_len.min(32);
    let padded_len = (plaintext.len() / BLOCK + 1) * BLOCK;
    out.reserve(padded_len + mac_len);
    let start = out.len();
    out.extend_from_slice(plaintext);
    pkcs7_pad(out, plaintext.len());
    if aes256_cbc_encrypt_blocks(&material.enc_key, &material.iv, &mut out[start..]).is_err() {
        unreachable!("padding makes whole blocks");
    }
    let tag = mac(&material, ad_parts, &out[start..]);
    out.extend_from_slice(&tag[..mac_len]);
}

/// DECRYPT(mk, ciphertext ‖ tag, ad) → plaintext.
pub fn decrypt(profile: &Profile, mk: &MessageKey, input: &[u8], ad: &[u8]) -> Result<Vec<u8>> {
    decrypt_parts(profile, mk, input, &[ad])
}

/// DECRYPT with the associated data given in pieces.
pub fn decrypt_parts(
    profile: &Profile,
    mk: &MessageKey,
    input: &[u8],
    ad_parts: &[&[u8]],
) -> Result<Vec<u8>> {
    let mac_len = profile.aead.mac_len.min(32);
    if input.len() < mac_len {
        return Err(Error::malformed(format!(
            "ciphertext is {} bytes, shorter than the {mac_len}-byte tag",
            input.len()
        )));
    }
    let (ciphertext, tag) = input.split_at(input.len() - mac_len);
    let material = derive_message_key_material(profile, mk);
    let expected = mac(&material, ad_parts, ciphertext);
    if !bool::from(expected[..mac_len].ct_eq(tag)) {
        return Err(Error::auth_failed(
            "the message authentication code does not verify",
        ));
    }
    if ciphertext.is_empty() || ciphertext.len() % BLOCK != 0 {
        return Err(Error::malformed(format!(
            "ciphertext is {} bytes, not a non-zero multiple of the {BLOCK}-byte block",
            ciphertext.len()
        )));
    }
    let mut buffer = ciphertext.to_vec();
    aes256_cbc_decrypt_blocks(&material.enc_key, &material.iv, &mut buffer)?;
    match pkcs7_unpadded_len(&buffer) {
        Ok(len) => {
            buffer.truncate(len);
            Ok(buffer)
        }
        Err(e) => {
            buffer.zeroize();
            Err(e)
        }
    }
}
