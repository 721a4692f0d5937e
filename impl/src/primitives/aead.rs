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
use super::hkdf_sha256::hkdf_sha256_zero_salt;
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

/// The 80 bytes HKDF derives from one message key, in one zeroized buffer: the hot path
/// derives, uses and wipes them without copying them into a [`MessageKeyMaterial`].
struct KeyBlock(zeroize::Zeroizing<[u8; 80]>);

/// The zero IV of the `zero_iv` mutant.
const ZERO_IV: [u8; 16] = [0; 16];

impl KeyBlock {
    fn derive(profile: &Profile, mk: &MessageKey) -> KeyBlock {
        let Cipher::Aes256CbcPkcs7 = profile.aead.cipher;
        // The salt is `salt_zero_bytes` (at most 32) zero bytes: HKDF-Extract then keys HMAC
        // with zeros, whose key schedule is computed once per process.
        let mut okm = zeroize::Zeroizing::new([0u8; 80]);
        if hkdf_sha256_zero_salt(mk.expose(), profile.aead.info.as_bytes(), okm.as_mut()).is_err() {
            unreachable!("HKDF-SHA256 expands to 80 bytes");
        }
        if crate::fault!(profile, message_keys_swapped) {
            let (enc, auth) = okm.split_at_mut(32);
            enc.swap_with_slice(&mut auth[..32]);
        }
        if crate::fault!(profile, zero_iv) {
            okm[64..80].copy_from_slice(&ZERO_IV);
        }
        KeyBlock(okm)
    }

    fn enc_key(&self) -> &[u8; 32] {
        self.0[..32].try_into().unwrap_or_else(|_| unreachable!())
    }

    fn auth_key(&self) -> &[u8] {
        &self.0[32..64]
    }

    fn iv(&self) -> &[u8; 16] {
        self.0[64..80].try_into().unwrap_or_else(|_| unreachable!())
    }
}

/// HKDF-SHA256(salt = zeros, ikm = mk, info) → enc key ‖ auth key ‖ IV.
pub fn derive_message_key_material(profile: &Profile, mk: &MessageKey) -> MessageKeyMaterial {
    let block = KeyBlock::derive(profile, mk);
    let mut material = MessageKeyMaterial {
        enc_key: [0; 32],
        auth_key: [0; 32],
        iv: [0; 16],
    };
    material.enc_key.copy_from_slice(block.enc_key());
    material.auth_key.copy_from_slice(block.auth_key());
    material.iv.copy_from_slice(block.iv());
    material
}

/// Where a `mac_len`-byte truncated MAC starts in the full HMAC (0: its first bytes).
fn truncation_start(profile: &Profile, mac_len: usize) -> usize {
    if crate::fault!(profile, mac_from_tail) {
        32 - mac_len
    } else {
        0
    }
}

fn mac(auth_key: &[u8], ad_parts: &[&[u8]], ciphertext: &[u8]) -> [u8; 32] {
    let mut hmac = HmacSha256::new(auth_key);
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
    let keys = KeyBlock::derive(profile, mk);
    let mac_len = profile.aead.mac_len.min(32);
    let padded_len = (plaintext.len() / BLOCK + 1) * BLOCK;
    out.reserve(padded_len + mac_len);
    let start = out.len();
    out.extend_from_slice(plaintext);
    let whole_blocks = !plaintext.is_empty() && plaintext.len().is_multiple_of(BLOCK);
    if !(whole_blocks && crate::fault!(profile, full_padding_block_omitted)) {
        pkcs7_pad(out, plaintext.len());
    }
    if aes256_cbc_encrypt_blocks(keys.enc_key(), keys.iv(), &mut out[start..]).is_err() {
        unreachable!("padding makes whole blocks");
    }
    let tag = mac(keys.auth_key(), ad_parts, &out[start..]);
    let from = truncation_start(profile, mac_len);
    out.extend_from_slice(&tag[from..from + mac_len]);
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
    open_detached(profile, mk, ad_parts, ciphertext, ciphertext, tag)
}

/// Checks `tag` against HMAC(auth key, `authenticated` parts ‖ `authenticated_tail`)
/// truncated to the profile's MAC length, then decrypts `ciphertext`. The authenticated bytes
/// need not end with the ciphertext: Olm's MAC covers the whole encoded message, whose fields
/// may follow it. Same error order as [`decrypt_parts`].
pub fn open_detached(
    profile: &Profile,
    mk: &MessageKey,
    authenticated: &[&[u8]],
    authenticated_tail: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>> {
    let mac_len = profile.aead.mac_len.min(32);
    if tag.len() != mac_len {
        return Err(Error::malformed(format!(
            "the tag is {} bytes, expected {mac_len}",
            tag.len()
        )));
    }
    let keys = KeyBlock::derive(profile, mk);
    let full = mac(keys.auth_key(), authenticated, authenticated_tail);
    let from = truncation_start(profile, mac_len);
    let expected = &full[from..from + mac_len];
    let compared = if crate::fault!(profile, mac_prefix_only) {
        mac_len.min(8)
    } else {
        mac_len
    };
    if !crate::fault!(profile, mac_not_checked)
        && !bool::from(expected[..compared].ct_eq(&tag[..compared]))
    {
        return Err(Error::auth_failed(
            "the message authentication code does not verify",
        ));
    }
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK) {
        return Err(Error::malformed(format!(
            "ciphertext is {} bytes, not a non-zero multiple of the {BLOCK}-byte block",
            ciphertext.len()
        )));
    }
    let mut buffer = ciphertext.to_vec();
    aes256_cbc_decrypt_blocks(keys.enc_key(), keys.iv(), &mut buffer)?;
    if crate::fault!(profile, padding_not_checked) {
        let pad = buffer.last().map_or(0, |&b| usize::from(b));
        buffer.truncate(buffer.len().saturating_sub(pad));
        return Ok(buffer);
    }
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
