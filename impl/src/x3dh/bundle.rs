//! The prekey bundle Bob publishes (X3DH spec section 3.2) and its byte encoding:
//! IK_B (32) ‖ SPK_B (32) ‖ Sig(IK_B, Encode(SPK_B)) (64) [‖ OPK_B (32)], 128 or 160 bytes.

use super::encoding::encode_x25519_key;
use crate::error::{Error, Result};
use crate::primitives::signature::SIGNATURE_LEN;
use crate::primitives::{DhPublicKey, IdentityKeyPair, IdentityPublicKey};
use crate::profile::Profile;

/// Bob's published keys as Alice fetches them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreKeyBundle {
    /// IK_B, Ed25519.
    pub identity_key: IdentityPublicKey,
    /// SPK_B, X25519.
    pub signed_prekey: DhPublicKey,
    /// Sig(IK_B, Encode(SPK_B)).
    pub signed_prekey_signature: [u8; SIGNATURE_LEN],
    /// OPK_B, when the server still had one.
    pub one_time_prekey: Option<DhPublicKey>,
}

impl PreKeyBundle {
    /// Length without a one-time prekey.
    pub const LEN_WITHOUT_OPK: usize = 32 + 32 + SIGNATURE_LEN;
    /// Length with a one-time prekey.
    pub const LEN_WITH_OPK: usize = PreKeyBundle::LEN_WITHOUT_OPK + 32;

    /// The byte encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PreKeyBundle::LEN_WITH_OPK);
        out.extend_from_slice(&self.identity_key.0);
        out.extend_from_slice(self.signed_prekey.as_bytes());
        out.extend_from_slice(&self.signed_prekey_signature);
        if let Some(opk) = &self.one_time_prekey {
            out.extend_from_slice(opk.as_bytes());
        }
        out
    }

    /// Parses 128 or 160 bytes; other lengths are `malformed`. Keys and the signature are
    /// checked later, by [`super::initiate`].
    pub fn decode(bytes: &[u8]) -> Result<PreKeyBundle> {
        if bytes.len() != PreKeyBundle::LEN_WITHOUT_OPK && bytes.len() != PreKeyBundle::LEN_WITH_OPK
        {
            return Err(Error::malformed(format!(
                "a prekey bundle is {} or {} bytes, got {}",
                PreKeyBundle::LEN_WITHOUT_OPK,
                PreKeyBundle::LEN_WITH_OPK,
                bytes.len()
            )));
        }
        let identity_key = IdentityPublicKey::from_slice(&bytes[..32])?;
        let signed_prekey = DhPublicKey::from_slice(&bytes[32..64])?;
        let mut signed_prekey_signature = [0u8; SIGNATURE_LEN];
        signed_prekey_signature.copy_from_slice(&bytes[64..128]);
        let one_time_prekey = if bytes.len() == PreKeyBundle::LEN_WITH_OPK {
            Some(DhPublicKey::from_slice(&bytes[128..])?)
        } else {
            None
        };
        Ok(PreKeyBundle {
            identity_key,
            signed_prekey,
            signed_prekey_signature,
            one_time_prekey,
        })
    }
}

/// Sig(IK, Encode(SPK)): Ed25519 over the encoded signed prekey.
pub fn sign_prekey(
    profile: &Profile,
    identity: &IdentityKeyPair,
    signed_prekey: &DhPublicKey,
) -> [u8; SIGNATURE_LEN] {
    identity.sign(&encode_x25519_key(profile, signed_prekey))
}
