//! HKDF-SHA256 (RFC 5869), the one key-derivation building block under X3DH, KDF_RK and
//! ENCRYPT.

use hkdf::Hkdf;
use sha2::Sha256;

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
