//! KDF_RK (DR spec section 5.2): HKDF-SHA256 with the root key as salt and the DH output as
//! input key material, expanded to 64 bytes: the new root key, then a new chain key.

use super::dh::DhOutput;
use super::hkdf_sha256::hkdf_sha256;
use super::kdf_ck::ChainKey;
use crate::profile::Profile;
use crate::secret::{secret_key_type, Secret32};

secret_key_type!(
    /// The root key RK (and the X3DH output SK that seeds it).
    RootKey
);

/// KDF_RK(rk, dh_out) → (RK', CK).
pub fn kdf_rk(profile: &Profile, root_key: &RootKey, dh_out: &DhOutput) -> (RootKey, ChainKey) {
    let (salt, ikm) = if crate::fault!(profile, kdf_rk_salt_and_input_swapped) {
        (dh_out.expose(), root_key.expose())
    } else {
        (root_key.expose(), dh_out.expose())
    };
    let (rk, ck) = hkdf_root_and_chain(salt, ikm, profile.kdf_rk_info.as_bytes());
    if crate::fault!(profile, kdf_rk_outputs_swapped) {
        (
            RootKey(Secret32::from_bytes(*ck.expose())),
            ChainKey(Secret32::from_bytes(*rk.expose())),
        )
    } else {
        (rk, ck)
    }
}

/// HKDF-SHA256(salt, ikm, info) expanded to 64 bytes, split into a root key (the first 32)
/// and a chain key: KDF_RK's output, and that of Olm's and libsignal's key agreements.
pub fn hkdf_root_and_chain(salt: &[u8], ikm: &[u8], info: &[u8]) -> (RootKey, ChainKey) {
    let mut okm = zeroize::Zeroizing::new([0u8; 64]);
    if hkdf_sha256(salt, ikm, info, okm.as_mut()).is_err() {
        unreachable!("HKDF-SHA256 expands to 64 bytes");
    }
    let mut rk = [0u8; 32];
    let mut ck = [0u8; 32];
    rk.copy_from_slice(&okm[..32]);
    ck.copy_from_slice(&okm[32..]);
    (
        RootKey(Secret32::from_bytes(rk)),
        ChainKey(Secret32::from_bytes(ck)),
    )
}
