//! GENERATE_DH and DH over X25519 (RFC 7748).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::error::{Error, Result};
use crate::key_source::KeySource;
use crate::profile::Profile;
use crate::secret::{secret_key_type, Secret32};

/// An X25519 public key: the 32-byte little-endian u-coordinate, exactly as on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DhPublicKey(pub [u8; 32]);

impl DhPublicKey {
    /// Copies from a slice; `invalid_key` unless it is exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<DhPublicKey> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::invalid_key(format!(
                "an X25519 public key is 32 bytes, got {}",
                bytes.len()
            ))
        })?;
        Ok(DhPublicKey(array))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DhPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DhPublicKey({})", hex::encode(self.0))
    }
}

impl Serialize for DhPublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for DhPublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&text, &mut bytes)
            .map_err(|e| serde::de::Error::custom(format!("expected 64 hex digits: {e}")))?;
        Ok(DhPublicKey(bytes))
    }
}

secret_key_type!(
    /// An X25519 private key, 32 bytes as generated (clamping happens inside X25519).
    DhPrivateKey
);

secret_key_type!(
    /// The 32-byte output of DH.
    DhOutput
);

/// A ratchet, ephemeral or prekey pair.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DhKeyPair {
    /// The private key bytes.
    pub private: DhPrivateKey,
    /// X25519(private, 9).
    pub public: DhPublicKey,
}

impl std::fmt::Debug for DhKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DhKeyPair")
            .field("private", &self.private)
            .field("public", &self.public)
            .finish()
    }
}

/// GENERATE_DH from 32 given bytes: the public key is X25519(bytes, 9).
pub fn generate_dh_from_bytes(private: [u8; 32]) -> DhKeyPair {
    let secret = StaticSecret::from(private);
    let public = PublicKey::from(&secret);
    DhKeyPair {
        private: DhPrivateKey(Secret32::from_bytes(private)),
        public: DhPublicKey(public.to_bytes()),
    }
}

/// GENERATE_DH: draws the private key from `source`.
pub fn generate_dh(source: &mut dyn KeySource) -> Result<DhKeyPair> {
    let private = source.next_key()?;
    Ok(generate_dh_from_bytes(*private))
}

/// DH(private, public) = X25519(private, public). When the profile rejects non-contributory
/// exchanges, an all-zero output (the peer key has small order) is `invalid_key`.
pub fn dh(profile: &Profile, private: &DhPrivateKey, public: &DhPublicKey) -> Result<DhOutput> {
    let secret = StaticSecret::from(*private.expose());
    let shared = secret.diffie_hellman(&PublicKey::from(public.0));
    if profile.reject_non_contributory_dh && !shared.was_contributory() {
        return Err(Error::invalid_key(format!(
            "DH with public key {} is all zero (a small-order point)",
            hex::encode(public.0)
        )));
    }
    Ok(DhOutput(Secret32::from_bytes(*shared.as_bytes())))
}
