//! S = ECDH(I_A, E_B) ‖ ECDH(E_A, I_B) ‖ ECDH(E_A, E_B); R0 ‖ C0,0 = HKDF(zero salt, S,
//! info, 64). Each side computes the same three DH values with its own private keys.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::primitives::kdf_rk::hkdf_root_and_chain;
use crate::primitives::{dh, ChainKey, DhOutput, DhPrivateKey, DhPublicKey, RootKey};
use crate::profile::{KeyAgreement, Profile, TripleDhParameters};

/// The result of the triple DH.
#[derive(Debug)]
pub struct TripleDhOutput {
    /// R0.
    pub root_key: RootKey,
    /// C0,0.
    pub chain_key: ChainKey,
    /// ECDH(I_A, E_B), ECDH(E_A, I_B), ECDH(E_A, E_B), in order.
    pub dh_outputs: [DhOutput; 3],
}

fn parameters(profile: &Profile) -> Result<&TripleDhParameters> {
    match &profile.key_agreement {
        KeyAgreement::TripleDh { triple_dh, .. } => Ok(triple_dh),
        KeyAgreement::X3dh { .. } | KeyAgreement::SignalX3dh { .. } => {
            Err(Error::invalid_state(format!(
                "profile {} agrees on keys with an X3DH, not Olm's triple DH",
                profile.name
            )))
        }
    }
}

fn derive(
    profile: &Profile,
    parameters: &TripleDhParameters,
    dh_outputs: [DhOutput; 3],
) -> TripleDhOutput {
    let mut secret = Zeroizing::new([0u8; 96]);
    let swapped = crate::fault!(profile, triple_dh_order_swapped);
    for (i, output) in dh_outputs.iter().enumerate() {
        let at = match i {
            0 | 1 if swapped => 1 - i,
            _ => i,
        };
        secret[32 * at..32 * (at + 1)].copy_from_slice(output.expose());
    }
    let salt = [0u8; 32];
    let (root_key, chain_key) = hkdf_root_and_chain(
        &salt[..parameters.salt_zero_bytes.min(32)],
        secret.as_ref(),
        parameters.info.as_bytes(),
    );
    TripleDhOutput {
        root_key,
        chain_key,
        dh_outputs,
    }
}

/// Alice's side: her identity key I_A and base key E_A, Bob's identity key I_B and one-time
/// key E_B.
pub fn initiate(
    profile: &Profile,
    identity_private: &DhPrivateKey,
    base_key_private: &DhPrivateKey,
    peer_identity: &DhPublicKey,
    peer_one_time: &DhPublicKey,
) -> Result<TripleDhOutput> {
    let parameters = parameters(profile)?;
    Ok(derive(
        profile,
        parameters,
        [
            dh(profile, identity_private, peer_one_time)?,
            dh(profile, base_key_private, peer_identity)?,
            dh(profile, base_key_private, peer_one_time)?,
        ],
    ))
}

/// Bob's side: his identity key I_B and one-time key E_B, Alice's identity key I_A and base
/// key E_A.
pub fn respond(
    profile: &Profile,
    identity_private: &DhPrivateKey,
    one_time_private: &DhPrivateKey,
    peer_identity: &DhPublicKey,
    peer_base_key: &DhPublicKey,
) -> Result<TripleDhOutput> {
    let parameters = parameters(profile)?;
    Ok(derive(
        profile,
        parameters,
        [
            dh(profile, one_time_private, peer_identity)?,
            dh(profile, identity_private, peer_base_key)?,
            dh(profile, one_time_private, peer_base_key)?,
        ],
    ))
}
