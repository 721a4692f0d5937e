//! The X3DH computation for both roles (X3DH spec sections 3.3 and 3.4).
//!
//! DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B);
//! SK = HKDF-SHA256(salt = zeros, ikm = F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], info), F = 0xFF × 32;
//! AD = Encode(IK_A) ‖ Encode(IK_B). Identity keys enter DH in their X25519 form.

use zeroize::Zeroizing;

use super::bundle::PreKeyBundle;
use super::encoding::{encode_identity_key, encode_x25519_key};
use crate::error::{Error, Result};
use crate::key_source::KeySource;
use crate::primitives::hkdf_sha256::hkdf_sha256;
use crate::primitives::{
    dh, generate_dh, DhKeyPair, DhOutput, DhPublicKey, IdentityKeyPair, IdentityPublicKey, RootKey,
};
use crate::profile::{Profile, X3dhParameters};

/// What Alice learns and sends.
#[derive(Debug)]
pub struct InitiatorOutput {
    /// SK, the Double Ratchet's first root key.
    pub sk: RootKey,
    /// AD = Encode(IK_A) ‖ Encode(IK_B).
    pub ad: Vec<u8>,
    /// EK_A; its public half goes into the initial message.
    pub ephemeral: DhKeyPair,
    /// The one-time prekey used, if any (the initial message names it).
    pub one_time_prekey: Option<DhPublicKey>,
    /// DH1..DH3 or DH1..DH4, in order, for vectors.
    pub dh_outputs: Vec<DhOutput>,
}

/// What Bob derives from Alice's initial message.
#[derive(Debug)]
pub struct ResponderOutput {
    /// SK.
    pub sk: RootKey,
    /// AD = Encode(IK_A) ‖ Encode(IK_B).
    pub ad: Vec<u8>,
    /// DH1..DH3 or DH1..DH4, in order.
    pub dh_outputs: Vec<DhOutput>,
}

/// The X3DH parameters; `invalid_state` for a profile that agrees on keys otherwise.
fn parameters(profile: &Profile) -> Result<&X3dhParameters> {
    profile.x3dh().ok_or_else(|| {
        Error::invalid_state(format!(
            "profile {} does not use X3DH for key agreement",
            profile.name
        ))
    })
}

fn derive_sk(profile: &Profile, x3dh: &X3dhParameters, dh_outputs: &[DhOutput]) -> RootKey {
    let mut ikm = Zeroizing::new(Vec::with_capacity(32 * (dh_outputs.len() + 1)));
    if !crate::fault!(profile, x3dh_f_prefix_omitted) {
        ikm.extend(std::iter::repeat_n(x3dh.f_byte, 32));
    }
    let swapped = crate::fault!(profile, x3dh_dh1_dh2_swapped) && dh_outputs.len() >= 2;
    for i in 0..dh_outputs.len() {
        let at = match i {
            0 | 1 if swapped => 1 - i,
            _ => i,
        };
        ikm.extend_from_slice(dh_outputs[at].expose());
    }
    let salt = [0u8; 32];
    let mut sk = [0u8; 32];
    if hkdf_sha256(
        &salt[..x3dh.salt_zero_bytes.min(32)],
        &ikm,
        x3dh.info.as_bytes(),
        &mut sk,
    )
    .is_err()
    {
        unreachable!("HKDF-SHA256 expands to 32 bytes");
    }
    RootKey::from_bytes(sk)
}

fn associated_data(
    profile: &Profile,
    ik_a: &IdentityPublicKey,
    ik_b: &IdentityPublicKey,
) -> Vec<u8> {
    let mut ad = Vec::with_capacity(66);
    let (first, second) = if crate::fault!(profile, x3dh_ad_order_swapped) {
        (ik_b, ik_a)
    } else {
        (ik_a, ik_b)
    };
    ad.extend_from_slice(&encode_identity_key(profile, first));
    ad.extend_from_slice(&encode_identity_key(profile, second));
    ad
}

/// Alice's side: verifies the signed prekey before any DH (`invalid_signature`, or
/// `invalid_key` for an identity key that does not decode), then draws EK_A from `source`.
/// A small-order prekey or identity key is `invalid_key` under the spec profile.
pub fn initiate(
    profile: &Profile,
    identity: &IdentityKeyPair,
    bundle: &PreKeyBundle,
    source: &mut dyn KeySource,
) -> Result<InitiatorOutput> {
    let x3dh = parameters(profile)?;
    if !crate::fault!(profile, signature_not_verified) {
        bundle.identity_key.verify_with(
            &encode_x25519_key(profile, &bundle.signed_prekey),
            &bundle.signed_prekey_signature,
            !crate::fault!(profile, signature_verified_laxly),
        )?;
    }
    let ik_b = bundle.identity_key.to_x25519()?;
    let ephemeral = generate_dh(source)?;
    let mut dh_outputs = vec![
        dh(profile, &identity.dh_private(), &bundle.signed_prekey)?,
        dh(profile, &ephemeral.private, &ik_b)?,
        dh(profile, &ephemeral.private, &bundle.signed_prekey)?,
    ];
    if let Some(opk) = bundle
        .one_time_prekey
        .as_ref()
        .filter(|_| !crate::fault!(profile, one_time_prekey_ignored))
    {
        dh_outputs.push(dh(profile, &ephemeral.private, opk)?);
    }
    Ok(InitiatorOutput {
        sk: derive_sk(profile, x3dh, &dh_outputs),
        ad: associated_data(profile, &identity.public(), &bundle.identity_key),
        ephemeral,
        one_time_prekey: bundle.one_time_prekey,
        dh_outputs,
    })
}

/// Bob's side, from his identity key, the signed prekey and one-time prekey Alice named, and
/// the identity and ephemeral keys in her initial message.
pub fn respond(
    profile: &Profile,
    identity: &IdentityKeyPair,
    signed_prekey: &DhKeyPair,
    one_time_prekey: Option<&DhKeyPair>,
    initiator_identity: &IdentityPublicKey,
    initiator_ephemeral: &DhPublicKey,
) -> Result<ResponderOutput> {
    let x3dh = parameters(profile)?;
    let ik_a = initiator_identity.to_x25519()?;
    let mut dh_outputs = vec![
        dh(profile, &signed_prekey.private, &ik_a)?,
        dh(profile, &identity.dh_private(), initiator_ephemeral)?,
        dh(profile, &signed_prekey.private, initiator_ephemeral)?,
    ];
    if let Some(opk) = one_time_prekey {
        dh_outputs.push(dh(profile, &opk.private, initiator_ephemeral)?);
    }
    Ok(ResponderOutput {
        sk: derive_sk(profile, x3dh, &dh_outputs),
        ad: associated_data(profile, initiator_identity, &identity.public()),
        dh_outputs,
    })
}
