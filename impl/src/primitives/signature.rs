//! Identity keys: Ed25519 (RFC 8032) for prekey signatures, converted to X25519 for DH.
//!
//! The private DH scalar is the first half of SHA-512(seed), which is exactly the scalar
//! RFC 8032 signs with (X25519 clamps it the same way); the public DH key is the Montgomery
//! form of the Ed25519 point. Signatures are verified strictly: non-canonical S and
//! small-order public keys are rejected.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::dh::{DhPrivateKey, DhPublicKey};
use crate::error::{Error, ErrorKind, Result};
use crate::key_source::KeySource;
use crate::secret::Secret32;

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// An Ed25519 identity public key (32-byte compressed Edwards point).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityPublicKey(pub [u8; 32]);

impl IdentityPublicKey {
    /// Copies from a slice; `invalid_key` unless it is exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<IdentityPublicKey> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::invalid_key(format!(
                "an Ed25519 identity key is 32 bytes, got {}",
                bytes.len()
            ))
        })?;
        Ok(IdentityPublicKey(array))
    }

    fn verifying_key(&self) -> Result<VerifyingKey> {
        VerifyingKey::from_bytes(&self.0).map_err(|_| {
            Error::invalid_key(format!(
                "identity key {} is not a valid Ed25519 point",
                hex::encode(self.0)
            ))
        })
    }

    /// The X25519 form used in DH: u = (1 + y) / (1 - y).
    pub fn to_x25519(&self) -> Result<DhPublicKey> {
        Ok(DhPublicKey(
            self.verifying_key()?.to_montgomery().to_bytes(),
        ))
    }

    /// Verifies an Ed25519 signature strictly: `invalid_key` when the key does not decode,
    /// `invalid_signature` for a wrong-length or non-verifying signature.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.verify_with(message, signature, true)
    }

    /// [`IdentityPublicKey::verify`], or with `strict` false the plain RFC 8032 check that
    /// lets small-order keys and R through (only the `signature_verified_laxly` mutant).
    pub(crate) fn verify_with(&self, message: &[u8], signature: &[u8], strict: bool) -> Result<()> {
        let key = self.verifying_key()?;
        let bytes: [u8; SIGNATURE_LEN] = signature.try_into().map_err(|_| {
            Error::new(
                ErrorKind::InvalidSignature,
                format!("an Ed25519 signature is 64 bytes, got {}", signature.len()),
            )
        })?;
        let signature = Signature::from_bytes(&bytes);
        let verified = if strict {
            key.verify_strict(message, &signature)
        } else {
            use ed25519_dalek::Verifier;
            key.verify(message, &signature)
        };
        verified
            .map_err(|_| Error::new(ErrorKind::InvalidSignature, "the signature does not verify"))
    }
}

impl std::fmt::Debug for IdentityPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdentityPublicKey({})", hex::encode(self.0))
    }
}

impl Serialize for IdentityPublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for IdentityPublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&text, &mut bytes)
            .map_err(|e| serde::de::Error::custom(format!("expected 64 hex digits: {e}")))?;
        Ok(IdentityPublicKey(bytes))
    }
}

/// An Ed25519 identity key pair, kept as its 32-byte seed.
#[derive(Clone)]
pub struct IdentityKeyPair {
    seed: Secret32,
    signing: SigningKey,
}

impl IdentityKeyPair {
    /// The key pair whose RFC 8032 private key (seed) is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> IdentityKeyPair {
        IdentityKeyPair {
            seed: Secret32::from_bytes(seed),
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// Draws the seed from `source`.
    pub fn generate(source: &mut dyn KeySource) -> Result<IdentityKeyPair> {
        Ok(IdentityKeyPair::from_seed(*source.next_key()?))
    }

    /// The seed; callers must not log it.
    pub fn seed(&self) -> &[u8; 32] {
        self.seed.expose()
    }

    /// The Ed25519 public key.
    pub fn public(&self) -> IdentityPublicKey {
        IdentityPublicKey(self.signing.verifying_key().to_bytes())
    }

    /// An RFC 8032 Ed25519 signature (deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.signing.sign(message).to_bytes()
    }

    /// The X25519 private key: the first 32 bytes of SHA-512(seed).
    pub fn dh_private(&self) -> DhPrivateKey {
        DhPrivateKey(Secret32::from_bytes(self.signing.to_scalar_bytes()))
    }

    /// The X25519 public key matching [`IdentityKeyPair::dh_private`].
    pub fn dh_public(&self) -> DhPublicKey {
        DhPublicKey(self.signing.verifying_key().to_montgomery().to_bytes())
    }
}

impl std::fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityKeyPair")
            .field("seed", &"[redacted]")
            .field("public", &self.public())
            .finish()
    }
}
