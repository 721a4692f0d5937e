//! libsignal's X3DH (Signal v3): DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B),
//! DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B); RK0 ‖ CK = HKDF-SHA256(zero salt,
//! F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], "WhisperText", 64), F = 0xFF × 32. The signed prekey is signed
//! with XEdDSA (libsignal's form) by the X25519 identity key over 0x05 ‖ SPK.

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};
use crate::primitives::kdf_rk::hkdf_root_and_chain;
use crate::primitives::signal_message::encode_key;
use crate::primitives::xeddsa::{Xeddsa, XEDDSA_SIGNATURE_LEN};
use crate::primitives::{dh, ChainKey, DhOutput, DhPrivateKey, DhPublicKey, RootKey};
use crate::profile::{Profile, SignalX3dhParameters};

/// Bob's published keys as Alice fetches them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalBundle {
    /// Bob's registration id.
    pub registration_id: u32,
    /// IK_B.
    pub identity_key: DhPublicKey,
    /// The id of SPK_B.
    pub signed_pre_key_id: u32,
    /// SPK_B.
    pub signed_pre_key: DhPublicKey,
    /// XEdDSA(IK_B, 0x05 ‖ SPK_B); any length (a wrong one is `invalid_signature`).
    pub signature: Vec<u8>,
    /// OPK_B and its id, when the server still had one.
    pub pre_key: Option<(u32, DhPublicKey)>,
}

/// What the agreement gives.
#[derive(Debug)]
pub struct SignalAgreement {
    /// RK0.
    pub root_key: RootKey,
    /// CK, derived with RK0 and never used to send.
    pub chain_key: ChainKey,
    /// DH1..DH3 or DH1..DH4.
    pub dh_outputs: Vec<DhOutput>,
}

fn parameters(profile: &Profile) -> Result<&SignalX3dhParameters> {
    profile.signal_x3dh().ok_or_else(|| {
        Error::invalid_state(format!(
            "profile {} does not agree on keys with libsignal's X3DH",
            profile.name
        ))
    })
}

/// The XEdDSA the profile verifies and signs with (the paper's under the
/// `xeddsa_sign_bit_ignored` mutant).
fn xeddsa(profile: &Profile) -> Xeddsa {
    if crate::fault!(profile, xeddsa_sign_bit_ignored) {
        Xeddsa::Paper
    } else {
        Xeddsa::Libsignal
    }
}

/// XEdDSA(identity, message) with the 64 random bytes `random`.
pub fn sign(
    profile: &Profile,
    identity: &DhPrivateKey,
    message: &[u8],
    random: &[u8; 64],
) -> [u8; XEDDSA_SIGNATURE_LEN] {
    xeddsa(profile).sign(identity.expose(), message, random)
}

/// XEdDSA(identity, 0x05 ‖ prekey): the signed prekey's signature.
pub fn sign_prekey(
    profile: &Profile,
    identity: &DhPrivateKey,
    prekey: &DhPublicKey,
    random: &[u8; 64],
) -> [u8; XEDDSA_SIGNATURE_LEN] {
    sign(profile, identity, &encode_key(prekey), random)
}

/// Verifies an XEdDSA signature of `message` by `key`; `invalid_signature` when it does not
/// verify or is not 64 bytes.
pub fn verify_signature(
    profile: &Profile,
    key: &DhPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<()> {
    if signature.len() != XEDDSA_SIGNATURE_LEN {
        return Err(Error::new(
            ErrorKind::InvalidSignature,
            format!("an XEdDSA signature is 64 bytes, got {}", signature.len()),
        ));
    }
    if !xeddsa(profile).verify(key.as_bytes(), message, signature) {
        return Err(Error::new(
            ErrorKind::InvalidSignature,
            "the XEdDSA signature does not verify",
        ));
    }
    Ok(())
}

fn derive(parameters: &SignalX3dhParameters, dh_outputs: Vec<DhOutput>) -> SignalAgreement {
    let mut secret = Zeroizing::new(Vec::with_capacity(32 * (dh_outputs.len() + 1)));
    secret.extend(std::iter::repeat_n(parameters.f_byte, 32));
    for output in &dh_outputs {
        secret.extend_from_slice(output.expose());
    }
    let salt = [0u8; 32];
    let (root_key, chain_key) = hkdf_root_and_chain(
        &salt[..parameters.salt_zero_bytes.min(32)],
        &secret,
        parameters.info.as_bytes(),
    );
    SignalAgreement {
        root_key,
        chain_key,
        dh_outputs,
    }
}

/// Alice: checks the bundle's signature (before anything else), then agrees with her
/// identity key and base key EK_A.
pub fn initiate(
    profile: &Profile,
    identity: &DhPrivateKey,
    base_key: &DhPrivateKey,
    bundle: &SignalBundle,
) -> Result<SignalAgreement> {
    verify_bundle(profile, bundle)?;
    agree_as_initiator(profile, identity, base_key, bundle)
}

/// Checks the bundle's signed-prekey signature (`invalid_signature`).
pub fn verify_bundle(profile: &Profile, bundle: &SignalBundle) -> Result<()> {
    verify_signature(
        profile,
        &bundle.identity_key,
        &encode_key(&bundle.signed_pre_key),
        &bundle.signature,
    )
}

/// Alice's DHs and KDF, for a bundle already verified.
pub(crate) fn agree_as_initiator(
    profile: &Profile,
    identity: &DhPrivateKey,
    base_key: &DhPrivateKey,
    bundle: &SignalBundle,
) -> Result<SignalAgreement> {
    let parameters = parameters(profile)?;
    let mut dh_outputs = vec![
        dh(profile, identity, &bundle.signed_pre_key)?,
        dh(profile, base_key, &bundle.identity_key)?,
        dh(profile, base_key, &bundle.signed_pre_key)?,
    ];
    if let Some((_, one_time)) = &bundle.pre_key {
        dh_outputs.push(dh(profile, base_key, one_time)?);
    }
    Ok(derive(parameters, dh_outputs))
}

/// Bob: agrees from his identity key, the signed prekey and the one-time prekey Alice named,
/// and her identity and base keys.
pub fn respond(
    profile: &Profile,
    identity: &DhPrivateKey,
    signed_pre_key: &DhPrivateKey,
    one_time_pre_key: Option<&DhPrivateKey>,
    initiator_identity: &DhPublicKey,
    initiator_base_key: &DhPublicKey,
) -> Result<SignalAgreement> {
    let parameters = parameters(profile)?;
    let mut dh_outputs = vec![
        dh(profile, signed_pre_key, initiator_identity)?,
        dh(profile, identity, initiator_base_key)?,
        dh(profile, signed_pre_key, initiator_base_key)?,
    ];
    if let Some(one_time) = one_time_pre_key {
        dh_outputs.push(dh(profile, one_time, initiator_base_key)?);
    }
    Ok(derive(parameters, dh_outputs))
}
