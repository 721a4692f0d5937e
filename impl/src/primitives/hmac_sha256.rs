//! HMAC-SHA256 (RFC 2104, FIPS 198-1), under KDF_CK and the message tag.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// A keyed HMAC-SHA256 state: the key schedule runs once and the state can be cloned for
/// several messages under the same key (KDF_CK computes two).
#[derive(Clone)]
pub struct HmacSha256(Hmac<Sha256>);

impl HmacSha256 {
    /// Keys the state; HMAC accepts keys of any length.
    pub fn new(key: &[u8]) -> HmacSha256 {
        match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
            Ok(mac) => HmacSha256(mac),
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        }
    }

    /// Absorbs more message bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The 32-byte tag.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for HmacSha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacSha256([redacted])")
    }
}

/// HMAC-SHA256(key, data).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new(key);
    mac.update(data);
    mac.finalize()
}
