//! Sessions from libsignal's X3DH. Alice's outbound session draws her base key and first
//! ratchet key, and wraps every message in a PreKeySignalMessage until she has received one;
//! Bob's inbound session is created from her first PreKeySignalMessage. Every message's MAC
//! covers IK_sender ‖ IK_receiver: [`SignalSession`] keeps both keys and gives the ratchet
//! the right order for each direction.

use super::agreement::{agree_as_initiator, respond, verify_bundle, SignalBundle};
use crate::error::{Error, Result};
use crate::key_source::KeySource;
use crate::primitives::signal_message::{encode_key, PreKeySignalMessage, SignalMessage};
use crate::primitives::{generate_dh, DhKeyPair, DhPublicKey};
use crate::profile::{Profile, SignalMessageFormat};
use crate::session::{MessageKind, Session};

/// What Alice's PreKeySignalMessages carry besides the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PendingPreKey {
    registration_id: u32,
    pre_key_id: Option<u32>,
    signed_pre_key_id: u32,
    base_key: DhPublicKey,
    identity_key: DhPublicKey,
}

/// One party's session with both identity keys.
#[derive(Debug)]
pub struct SignalSession {
    session: Session,
    /// IK_ours (33) ‖ IK_theirs (33): the MAC's keys of a message we send.
    sending_ad: [u8; 66],
    /// IK_theirs ‖ IK_ours: of a message we receive.
    receiving_ad: [u8; 66],
    pending: Option<PendingPreKey>,
}

fn format(profile: &Profile) -> Result<&SignalMessageFormat> {
    profile.signal_format().ok_or_else(|| {
        Error::invalid_state(format!(
            "profile {} does not use libsignal's messages",
            profile.name
        ))
    })
}

impl SignalSession {
    fn new(session: Session, ours: &DhPublicKey, theirs: &DhPublicKey) -> SignalSession {
        let (ours, theirs) = (encode_key(ours), encode_key(theirs));
        let mut sending_ad = [0u8; 66];
        sending_ad[..33].copy_from_slice(&ours);
        sending_ad[33..].copy_from_slice(&theirs);
        let mut receiving_ad = [0u8; 66];
        receiving_ad[..33].copy_from_slice(&theirs);
        receiving_ad[33..].copy_from_slice(&ours);
        SignalSession {
            session,
            sending_ad,
            receiving_ad,
            pending: None,
        }
    }

    /// The ratchet underneath.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Replaces the source of future ratchet keys.
    pub fn set_key_source(&mut self, keys: Box<dyn KeySource>) {
        self.session.set_key_source(keys);
    }

    /// The kind the next message will have.
    pub fn next_message_kind(&self) -> MessageKind {
        if self.pending.is_some() {
            MessageKind::PreKey
        } else {
            MessageKind::Normal
        }
    }

    /// Encrypts; a PreKeySignalMessage until this session has received a message.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<(MessageKind, Vec<u8>)> {
        let version = format(self.session.profile())?.version_byte;
        let message = self.session.encrypt(plaintext, &self.sending_ad)?;
        match &self.pending {
            None => Ok((MessageKind::Normal, message)),
            Some(pending) => Ok((
                MessageKind::PreKey,
                PreKeySignalMessage {
                    version,
                    registration_id: pending.registration_id,
                    pre_key_id: pending.pre_key_id,
                    signed_pre_key_id: pending.signed_pre_key_id,
                    base_key: pending.base_key,
                    identity_key: pending.identity_key,
                    message: &message,
                }
                .encode(),
            )),
        }
    }

    /// Decrypts a message of either kind (a PreKeySignalMessage's embedded message). On any
    /// error the session is unchanged.
    pub fn decrypt(&mut self, kind: MessageKind, message: &[u8]) -> Result<Vec<u8>> {
        let plaintext = self
            .session
            .decrypt_typed(kind, message, &self.receiving_ad)?;
        self.pending = None;
        Ok(plaintext)
    }
}

/// Alice's new session and the public keys she used.
#[derive(Debug)]
pub struct OutboundSignalSession {
    /// The session, ready to send PreKeySignalMessages.
    pub session: SignalSession,
    /// EK_A.
    pub base_key: DhPublicKey,
    /// Her first ratchet key.
    pub ratchet_key: DhPublicKey,
}

/// Alice: refuses a bundle whose signature does not verify (before drawing any key), draws
/// her base key and her first ratchet key from `keys` (in that order, as libsignal does),
/// agrees, and makes her first sending chain with a DH step against SPK_B.
pub fn outbound_session(
    profile: Profile,
    identity: &DhKeyPair,
    registration_id: u32,
    bundle: &SignalBundle,
    mut keys: Box<dyn KeySource>,
) -> Result<OutboundSignalSession> {
    format(&profile)?;
    // Refused before any key is drawn.
    verify_bundle(&profile, bundle)?;
    let base_key = generate_dh(keys.as_mut())?;
    let agreed = agree_as_initiator(&profile, &identity.private, &base_key.private, bundle)?;
    let ratchet = Session::init_alice(profile, agreed.root_key, bundle.signed_pre_key, keys)?;
    let ratchet_key = ratchet.ratchet_public();
    let mut session = SignalSession::new(ratchet, &identity.public, &bundle.identity_key);
    session.pending = Some(PendingPreKey {
        registration_id,
        pre_key_id: bundle.pre_key.map(|(id, _)| id),
        signed_pre_key_id: bundle.signed_pre_key_id,
        base_key: base_key.public,
        identity_key: identity.public,
    });
    Ok(OutboundSignalSession {
        session,
        base_key: base_key.public,
        ratchet_key,
    })
}

/// Bob's keys that a PreKeySignalMessage may name.
#[derive(Debug)]
pub struct ResponderKeys<'a> {
    /// IK_B.
    pub identity: &'a DhKeyPair,
    /// SPK_B and its id.
    pub signed_pre_key: (u32, &'a DhKeyPair),
    /// OPK_B and its id, if he published one.
    pub pre_key: Option<(u32, &'a DhKeyPair)>,
}

/// Bob: parses Alice's PreKeySignalMessage, checks that it names his signed prekey and (if
/// any) his one-time prekey (`invalid_key` otherwise), agrees, and decrypts the embedded
/// message, drawing the ratchet key of the DH step it causes from `keys`. Nothing is kept
/// unless it authenticates.
pub fn inbound_session(
    profile: Profile,
    own: &ResponderKeys<'_>,
    message: &[u8],
    keys: Box<dyn KeySource>,
) -> Result<(SignalSession, Vec<u8>)> {
    let version = format(&profile)?.version_byte;
    let pre_key_message = PreKeySignalMessage::parse(message, version)?;
    SignalMessage::parse(pre_key_message.message, version, profile.aead.mac_len)?;
    let (signed_id, signed_pre_key) = own.signed_pre_key;
    if pre_key_message.signed_pre_key_id != signed_id {
        return Err(Error::invalid_key(format!(
            "the message names signed prekey {}, which we do not have (ours is {signed_id})",
            pre_key_message.signed_pre_key_id
        )));
    }
    let one_time = match (pre_key_message.pre_key_id, own.pre_key) {
        (None, _) => None,
        (Some(id), Some((ours, pair))) if id == ours => Some(pair),
        (Some(id), _) => {
            return Err(Error::invalid_key(format!(
                "the message names one-time prekey {id}, which we do not have"
            )))
        }
    };
    let agreed = respond(
        &profile,
        &own.identity.private,
        &signed_pre_key.private,
        one_time.map(|pair| &pair.private),
        &pre_key_message.identity_key,
        &pre_key_message.base_key,
    )?;
    let ratchet = Session::init_bob(profile, agreed.root_key, signed_pre_key.clone(), keys);
    let mut session =
        SignalSession::new(ratchet, &own.identity.public, &pre_key_message.identity_key);
    let plaintext = session.decrypt(MessageKind::Normal, pre_key_message.message)?;
    Ok((session, plaintext))
}
