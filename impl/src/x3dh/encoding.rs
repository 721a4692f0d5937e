//! `Encode(PK)` (X3DH spec section 2.5): one type byte, then the key's 32 bytes. The type
//! bytes are part of the profile.

use crate::primitives::{DhPublicKey, IdentityPublicKey};
use crate::profile::{Profile, PublicKeyEncoding};

/// The profile's Encode(PK) type bytes. A profile whose key agreement is not X3DH has no
/// Encode(PK) of its own; it gets the X3DH spec's Curve25519 byte 0x05 and the `spec`
/// profile's Ed25519 byte 0xED, so these functions stay total.
fn encoding(profile: &Profile) -> PublicKeyEncoding {
    profile
        .x3dh()
        .map(|x3dh| x3dh.public_key_encoding)
        .unwrap_or(PublicKeyEncoding {
            x25519_type_byte: 0x05,
            ed25519_type_byte: 0xed,
        })
}

/// Encode(PK) for an X25519 key: the profile's X25519 type byte ‖ u-coordinate.
pub fn encode_x25519_key(
    profile: &Profile,
    key: &DhPublicKey,
) -> [u8; PublicKeyEncoding::ENCODED_LEN] {
    let mut out = [0u8; PublicKeyEncoding::ENCODED_LEN];
    out[0] = encoding(profile).x25519_type_byte;
    out[1..].copy_from_slice(key.as_bytes());
    out
}

/// Encode(IK) for an Ed25519 identity key: the profile's Ed25519 type byte ‖ the point.
pub fn encode_identity_key(
    profile: &Profile,
    key: &IdentityPublicKey,
) -> [u8; PublicKeyEncoding::ENCODED_LEN] {
    let mut out = [0u8; PublicKeyEncoding::ENCODED_LEN];
    out[0] = encoding(profile).ed25519_type_byte;
    out[1..].copy_from_slice(&key.0);
    out
}
