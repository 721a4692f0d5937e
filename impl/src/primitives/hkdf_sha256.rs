//! HKDF-SHA256 (RFC 5869), the one key-derivation building block under X3DH, KDF_RK and
//! ENCRYPT.

use std::sync::OnceLock;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The most bytes HKDF-SHA256 can produce (255 hash lengths).
pub const MAX_OUTPUT: usize = 255 * 32;

/// HKDF-Extract then HKDF-Expand into `out`. An empty salt means the RFC's default (zeros).
/// `malformed` when `out` is longer than [`MAX_OUTPUT`].
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<()> {
    let hkdf = Hkdf::<Sha256>::new(Some(salt), ikm);
    hkdf.expand(info, out).map_err(|_| {
        Error::malformed(format!(
            "HKDF-SHA256 produces at most {MAX_OUTPUT} bytes, {} requested",
            out.len()
        ))
    })
}

/// HKDF-Extract alone: the pseudorandom key, for known-answer tests of the RFC's PRK.
pub fn hkdf_sha256_extract(salt: &[u8], ikm: &[u8]) -> [u8; 32] {
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    prk.into()
}

/// HMAC-SHA256 keyed with zeros, keyed once per process. HMAC pads its key with zeros to the
/// 64-byte block, so every all-zero salt of at most 64 bytes, and the empty salt (which RFC 5869
/// replaces by 32 zero bytes), gives this same keyed state.
fn zero_salt_extractor() -> &'static Hmac<Sha256> {
    static EXTRACTOR: OnceLock<Hmac<Sha256>> = OnceLock::new();
    EXTRACTOR.get_or_init(|| match Hmac::<Sha256>::new_from_slice(&[0u8; 32]) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    })
}

/// [`hkdf_sha256`] with an all-zero salt of at most 64 bytes (or the empty salt): the same
/// output, but HKDF-Extract reuses a precomputed HMAC key schedule instead of running it for
/// every call. This is ENCRYPT's per-message key derivation. `malformed` when `out` is longer
/// than [`MAX_OUTPUT`].
pub fn hkdf_sha256_zero_salt(ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<()> {
    let mut extract = zero_salt_extractor().clone();
    extract.update(ikm);
    let prk: Zeroizing<[u8; 32]> = Zeroizing::new(extract.finalize().into_bytes().into());
    let hkdf = match Hkdf::<Sha256>::from_prk(prk.as_ref()) {
        Ok(hkdf) => hkdf,
        Err(_) => unreachable!("a SHA-256 output is a valid PRK"),
    };
    hkdf.expand(info, out).map_err(|_| {
        Error::malformed(format!(
            "HKDF-SHA256 produces at most {MAX_OUTPUT} bytes, {} requested",
            out.len()
        ))
    })
}
