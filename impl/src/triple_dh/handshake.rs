//! Sessions from Olm's key agreement: the outbound session (Alice draws her base key E_A and
//! first ratchet key T0 and sends pre-key messages) and the inbound session (Bob creates it
//! from Alice's first pre-key message and decrypts it).

use super::agreement::{initiate, respond};
use crate::error::{Error, Result};
use crate::key_source::KeySource;
use crate::primitives::olm_message::{OlmMessage, OlmPreKeyMessage};
use crate::primitives::{generate_dh, DhKeyPair, DhPublicKey};
use crate::profile::{MessageFormat, Profile};
use crate::session::{MessageKind, PreKeyEnvelope, Session};

/// Alice's new session and the public keys she used.
#[derive(Debug)]
pub struct OutboundSession {
    /// The session, ready to send pre-key messages.
    pub session: Session,
    /// E_A.
    pub base_key: DhPublicKey,
    /// T0.
    pub ratchet_key: DhPublicKey,
}

/// Alice: draws E_A, then T0, from `keys`.
pub fn outbound_session(
    profile: Profile,
    identity: &DhKeyPair,
    peer_identity: &DhPublicKey,
    peer_one_time: &DhPublicKey,
    mut keys: Box<dyn KeySource>,
) -> Result<OutboundSession> {
    let base_key = generate_dh(keys.as_mut())?;
    let agreed = initiate(
        &profile,
        &identity.private,
        &base_key.private,
        peer_identity,
        peer_one_time,
    )?;
    let envelope = PreKeyEnvelope {
        one_time_key: *peer_one_time,
        base_key: base_key.public,
        identity_key: identity.public,
    };
    let session = Session::init_alice_on_first_chain(
        profile,
        agreed.root_key,
        agreed.chain_key,
        Some(envelope),
        keys,
    )?;
    Ok(OutboundSession {
        ratchet_key: session.ratchet_public(),
        session,
        base_key: base_key.public,
    })
}

/// Bob: parses Alice's pre-key message, checks it names his one-time key, agrees on R0 and
/// C0,0, and decrypts the embedded message. Nothing is kept unless it authenticates.
pub fn inbound_session(
    profile: Profile,
    identity: &DhKeyPair,
    one_time: &DhKeyPair,
    pre_key_message: &[u8],
    keys: Box<dyn KeySource>,
) -> Result<(Session, Vec<u8>)> {
    let MessageFormat::Olm(format) = &profile.wire else {
        return Err(Error::invalid_state(format!(
            "profile {} has no pre-key messages",
            profile.name
        )));
    };
    let message = OlmPreKeyMessage::parse(pre_key_message, format.version_byte)?;
    if message.one_time_key != one_time.public {
        return Err(Error::invalid_key(format!(
            "the pre-key message names one-time key {}, not ours ({})",
            hex::encode(message.one_time_key.0),
            hex::encode(one_time.public.0)
        )));
    }
    let inner = OlmMessage::parse(
        message.message,
        format.version_byte,
        profile.aead.mac_len,
        profile.wire.max_counter(),
    )?;
    let agreed = respond(
        &profile,
        &identity.private,
        &one_time.private,
        &message.identity_key,
        &message.base_key,
    )?;
    let mut session = Session::init_bob_on_first_chain(
        profile,
        agreed.root_key,
        agreed.chain_key,
        inner.ratchet_key,
        keys,
    )?;
    let plaintext = session.decrypt_typed(MessageKind::Normal, message.message, &[])?;
    Ok((session, plaintext))
}
