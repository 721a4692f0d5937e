//! RatchetInitAlice, RatchetInitBob, RatchetEncrypt and RatchetDecrypt (DR spec sections 3.3
//! to 3.5) for every family. Where families differ in behaviour, this code asks the profile's
//! variants — [`SessionStart`], [`SenderRatchet`], the receiving-chain bound and the message
//! format — and never its name.
//!
//! One deliberate strengthening of the spec's pseudocode holds for all of them: decryption is
//! transactional. Every change (skipped keys, DH ratchet step, chain advance) is computed into
//! locals and committed only once the message has authenticated, so a failed decrypt leaves
//! the session exactly as it was and consumes no randomness. The new ratchet key of a DH
//! ratchet step is drawn only after authentication succeeds.

use crate::error::{Error, ErrorKind, Result};
use crate::key_source::{KeySource, OsKeySource};
use crate::primitives::olm_message::OlmPreKeyMessage;
use crate::primitives::signal_message::PreKeySignalMessage;
use crate::primitives::wire::{self, MessageFields};
use crate::primitives::{
    dh, generate_dh, generate_dh_from_bytes, kdf_ck, kdf_rk, ChainKey, DhKeyPair, DhPublicKey,
    Header, MessageKey, RootKey,
};
use crate::profile::{
    MessageFormat, PreviousCounter, Profile, ReceivingChains as ReceivingChainPolicy,
    SenderRatchet, SessionStart, StoredKeysScope,
};

use super::olm_state::{OlmReceiverChain, OlmSenderChain, OlmSessionState, OlmSkippedKey};
use super::receiving_chains::{ReceivingChain, ReceivingChains};
use super::sending_chain::SendingState;
use super::skipped_keys::SkippedKeyStore;
use super::snapshot::{SessionSnapshot, SkippedKeyEntry};

/// How a message travels: Olm's transport tells pre-key messages (which carry the key
/// agreement's public keys) from normal ones; other families have only normal messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A message of the ratchet.
    Normal,
    /// Olm's pre-key message: the initiator's public keys around a normal message.
    PreKey,
}

/// The initiator's public key-agreement values, sent with every message until the first
/// message from the peer arrives (olm.md, "Sending the first pre-key messages").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreKeyEnvelope {
    /// E_B, the peer's one-time key.
    pub one_time_key: DhPublicKey,
    /// E_A, our base key.
    pub base_key: DhPublicKey,
    /// I_A, our identity key.
    pub identity_key: DhPublicKey,
}

/// One party's Double Ratchet state.
pub struct Session {
    profile: Profile,
    sending: SendingState,
    /// DHr: the peer's newest ratchet key, once known.
    dhr: Option<DhPublicKey>,
    rk: RootKey,
    pn: u32,
    receiving: ReceivingChains,
    skipped: SkippedKeyStore,
    keys: Box<dyn KeySource>,
    pre_key: Option<PreKeyEnvelope>,
}

/// The result of the part of a DH ratchet step that the received message alone determines.
struct ReceivingStep {
    root_key: RootKey,
    chain_key: ChainKey,
}

/// Where a received message's chain is.
enum Located {
    /// An existing receiving chain, by position.
    Existing(usize),
    /// The peer's known ratchet key without a receiving chain (the DR spec's initiator
    /// before her first received message, seeing Bob's signed prekey).
    KnownWithoutChain,
    /// A ratchet key not seen before: a DH ratchet step.
    New,
}

impl Session {
    fn empty(profile: Profile, rk: RootKey, keys: Box<dyn KeySource>) -> Session {
        Session {
            profile,
            sending: SendingState::Inactive,
            dhr: None,
            rk,
            pn: 0,
            receiving: ReceivingChains::new(profile.receiving_chains.max()),
            skipped: SkippedKeyStore::with_scope(
                profile.limits.max_stored_keys,
                profile.limits.stored_keys_per,
            ),
            keys,
            pre_key: None,
        }
    }

    fn require_start(profile: &Profile, start: SessionStart) -> Result<()> {
        if profile.session_start != start {
            return Err(Error::invalid_state(format!(
                "profile {} starts sessions with {:?}, not {:?}",
                profile.name, profile.session_start, start
            )));
        }
        Ok(())
    }

    /// RatchetInitAlice: the initiator knows SK and Bob's ratchet public key (his signed
    /// prekey), draws her first ratchet key from `keys` and can send at once. For profiles
    /// whose sessions start with a DH step ([`SessionStart::DhStepAtInit`]).
    pub fn init_alice(
        profile: Profile,
        sk: RootKey,
        bob_ratchet_public: DhPublicKey,
        mut keys: Box<dyn KeySource>,
    ) -> Result<Session> {
        Session::require_start(&profile, SessionStart::DhStepAtInit)?;
        let dhs = generate_dh(keys.as_mut())?;
        let (rk, ck) = kdf_rk(
            &profile,
            &sk,
            &dh(&profile, &dhs.private, &bob_ratchet_public)?,
        );
        let mut session = Session::empty(profile, rk, keys);
        session.sending = SendingState::Active { dhs, ck, ns: 0 };
        session.dhr = Some(bob_ratchet_public);
        Ok(session)
    }

    /// RatchetInitBob: the responder starts from SK and his ratchet key pair (the signed
    /// prekey); he can send only after his first received message.
    pub fn init_bob(
        profile: Profile,
        sk: RootKey,
        bob_ratchet: DhKeyPair,
        keys: Box<dyn KeySource>,
    ) -> Session {
        let mut session = Session::empty(profile, sk, keys);
        session.sending = SendingState::Waiting { dhs: bob_ratchet };
        session
    }

    /// The initiator of a family whose key agreement yields the first chain
    /// ([`SessionStart::SendOnFirstChain`], Olm): she draws her first ratchet key T0 from
    /// `keys` and sends on `chain_key` (C0,0) with no DH step, wrapping her messages in
    /// `pre_key` until she receives one.
    pub fn init_alice_on_first_chain(
        profile: Profile,
        root_key: RootKey,
        chain_key: ChainKey,
        pre_key: Option<PreKeyEnvelope>,
        mut keys: Box<dyn KeySource>,
    ) -> Result<Session> {
        Session::require_start(&profile, SessionStart::SendOnFirstChain)?;
        let dhs = generate_dh(keys.as_mut())?;
        let (rk, ck) = match pre_key
            .as_ref()
            .filter(|_| crate::fault!(profile, dh_step_at_first_chain))
        {
            Some(envelope) => kdf_rk(
                &profile,
                &root_key,
                &dh(&profile, &dhs.private, &envelope.one_time_key)?,
            ),
            None => (root_key, chain_key),
        };
        let mut session = Session::empty(profile, rk, keys);
        session.sending = SendingState::Active { dhs, ck, ns: 0 };
        session.pre_key = pre_key;
        Ok(session)
    }

    /// The responder of such a family: he receives on `chain_key` (C0,0) under Alice's first
    /// ratchet key and has no sending chain until he sends.
    pub fn init_bob_on_first_chain(
        profile: Profile,
        root_key: RootKey,
        chain_key: ChainKey,
        alice_ratchet_public: DhPublicKey,
        keys: Box<dyn KeySource>,
    ) -> Result<Session> {
        Session::require_start(&profile, SessionStart::SendOnFirstChain)?;
        let mut session = Session::empty(profile, root_key, keys);
        session.receiving.push_newest(ReceivingChain {
            dh: alice_ratchet_public,
            ck: chain_key,
            n: 0,
        });
        session.dhr = Some(alice_ratchet_public);
        Ok(session)
    }

    /// A session whose future ratchet keys come from the operating system.
    pub fn init_alice_os(profile: Profile, sk: RootKey, bob: DhPublicKey) -> Result<Session> {
        Session::init_alice(profile, sk, bob, Box::new(OsKeySource))
    }

    /// The profile this session follows.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Replaces the source of future ratchet keys (for example with a queue of injected keys).
    pub fn set_key_source(&mut self, keys: Box<dyn KeySource>) {
        self.keys = keys;
    }

    /// Our current ratchet public key; all zero while we hold none (an Olm session between
    /// a new receiving chain and its next send).
    pub fn ratchet_public(&self) -> DhPublicKey {
        self.ratchet_public_if_any().unwrap_or(DhPublicKey([0; 32]))
    }

    /// Our current ratchet public key, if we hold one.
    pub fn ratchet_public_if_any(&self) -> Option<DhPublicKey> {
        self.sending.dhs().map(|pair| pair.public)
    }

    /// Number of skipped message keys stored.
    pub fn skipped_len(&self) -> usize {
        self.skipped.len()
    }

    /// The kind the next encrypted message will have.
    pub fn next_message_kind(&self) -> MessageKind {
        if self.pre_key.is_some() {
            MessageKind::PreKey
        } else {
            MessageKind::Normal
        }
    }

    /// RatchetEncrypt: returns the framed message (for Olm's initiator before her first
    /// received message, the pre-key message around it), authenticated with the profile's
    /// MAC input. `invalid_state` when no sending chain can exist yet.
    pub fn encrypt(&mut self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>> {
        self.encrypt_typed(plaintext, ad).map(|(_, bytes)| bytes)
    }

    /// [`Session::encrypt`], also saying which kind of message it made.
    pub fn encrypt_typed(&mut self, plaintext: &[u8], ad: &[u8]) -> Result<(MessageKind, Vec<u8>)> {
        // A new sending chain, if this send must start one (Olm, after a new receiving
        // chain): computed into locals, committed below.
        let started: Option<(DhKeyPair, RootKey, ChainKey)> = match &self.sending {
            SendingState::Active { .. } => None,
            SendingState::Waiting { .. } => {
                return Err(Error::invalid_state(
                    "no sending chain yet: the responder must receive a message first",
                ))
            }
            SendingState::Inactive if self.profile.sender_ratchet == SenderRatchet::AtReceive => {
                return Err(Error::invalid_state("no sending chain and no ratchet key"))
            }
            SendingState::Inactive => {
                let dhr = self.dhr.ok_or_else(|| {
                    Error::invalid_state("no sending chain and no peer ratchet key to make one")
                })?;
                let dhs = generate_dh(self.keys.as_mut())?;
                let (rk, ck) = kdf_rk(
                    &self.profile,
                    &self.rk,
                    &dh(&self.profile, &dhs.private, &dhr)?,
                );
                Some((dhs, rk, ck))
            }
        };
        let first_ns = if crate::fault!(self.profile, counter_not_reset) {
            self.pn
        } else {
            0
        };
        let (dhs_public, ck, ns) = match (&started, &self.sending) {
            (Some((dhs, _, ck)), _) => (dhs.public, ck, first_ns),
            (None, SendingState::Active { dhs, ck, ns }) => (dhs.public, ck, *ns),
            (None, _) => return Err(Error::invalid_state("no sending chain")),
        };
        if ns == u32::MAX || u64::from(ns) > self.profile.wire.max_counter() {
            return Err(Error::invalid_state(
                "the sending chain's message counter is exhausted",
            ));
        }
        let (next_ck, mk) = kdf_ck(&self.profile, ck);
        let fields = MessageFields {
            dh: dhs_public,
            pn: self.profile.wire.has_pn().then_some(self.pn),
            n: ns,
        };
        let normal = wire::seal(&self.profile, &mk, &fields, plaintext, ad);
        let advanced = if crate::fault!(self.profile, chain_key_not_advanced) {
            ck.clone()
        } else {
            next_ck
        };
        // Commit.
        let dhs = match started {
            Some((dhs, rk, _)) => {
                self.rk = rk;
                dhs
            }
            None => match std::mem::replace(&mut self.sending, SendingState::Inactive) {
                SendingState::Active { dhs, .. } => dhs,
                SendingState::Waiting { dhs } => dhs,
                SendingState::Inactive => return Err(Error::invalid_state("no sending chain")),
            },
        };
        self.sending = SendingState::Active {
            dhs,
            ck: advanced,
            ns: ns + 1,
        };
        match (&self.pre_key, &self.profile.wire) {
            (Some(envelope), MessageFormat::Olm(format)) => {
                let message = OlmPreKeyMessage {
                    one_time_key: envelope.one_time_key,
                    base_key: envelope.base_key,
                    identity_key: envelope.identity_key,
                    message: &normal,
                };
                Ok((MessageKind::PreKey, message.encode(format.version_byte)))
            }
            _ => Ok((MessageKind::Normal, normal)),
        }
    }

    /// RatchetDecrypt of a normal message. On any error the session is unchanged.
    pub fn decrypt(&mut self, message: &[u8], ad: &[u8]) -> Result<Vec<u8>> {
        self.decrypt_typed(MessageKind::Normal, message, ad)
    }

    /// RatchetDecrypt of a message of either kind; a pre-key message's embedded message is
    /// decrypted. On any error the session is unchanged.
    pub fn decrypt_typed(
        &mut self,
        kind: MessageKind,
        message: &[u8],
        ad: &[u8],
    ) -> Result<Vec<u8>> {
        let inner = match (kind, &self.profile.wire) {
            (MessageKind::Normal, _) => message,
            (MessageKind::PreKey, MessageFormat::Olm(format)) => {
                OlmPreKeyMessage::parse(message, format.version_byte)?.message
            }
            (MessageKind::PreKey, MessageFormat::Signal(format)) => {
                PreKeySignalMessage::parse(message, format.version_byte)?.message
            }
            (MessageKind::PreKey, MessageFormat::FixedHeader(_)) => {
                return Err(Error::malformed(
                    "this profile's message format has no pre-key messages",
                ))
            }
        };
        let plaintext = self.decrypt_normal(inner, ad)?;
        self.pre_key = None;
        Ok(plaintext)
    }

    fn locate(&self, dh: &DhPublicKey) -> Located {
        if crate::fault!(self.profile, no_dh_ratchet_step) && !self.receiving.is_empty() {
            return Located::Existing(0);
        }
        match self.receiving.position(dh) {
            Some(position) => Located::Existing(position),
            None if self.dhr.as_ref() == Some(dh) => Located::KnownWithoutChain,
            None => Located::New,
        }
    }

    fn decrypt_normal(&mut self, message: &[u8], ad: &[u8]) -> Result<Vec<u8>> {
        let parsed = wire::parse(&self.profile, message)?;
        let header = parsed.fields;
        if header.n == u32::MAX {
            // No sender uses this number (Ns would overflow), and receiving it would leave
            // Nr nowhere to go.
            return Err(Error::malformed(
                "message number 2^32 - 1 is out of range: no message can follow it",
            ));
        }

        // TrySkippedMessageKeys: the key is removed only once the message authenticates.
        if crate::fault!(self.profile, skipped_key_removed_before_mac) {
            if let Some(mk) = self.skipped.remove(&header.dh, header.n) {
                return wire::open(&self.profile, &mk, &parsed, ad);
            }
        }
        if let Some(mk) = self.skipped.get(&header.dh, header.n) {
            let plaintext = wire::open(&self.profile, mk, &parsed, ad)?;
            if !crate::fault!(self.profile, skipped_keys_not_deleted) {
                self.skipped.remove(&header.dh, header.n);
            }
            return Ok(plaintext);
        }

        let mut staged: Vec<(DhPublicKey, u32, MessageKey)> = Vec::new();
        let located = self.locate(&header.dh);
        let (step, chain_index, nr) = match located {
            Located::New => {
                let own =
                    match (&self.profile.sender_ratchet, &self.sending) {
                        (SenderRatchet::AtNextSend, SendingState::Active { dhs, .. }) => dhs,
                        (SenderRatchet::AtReceive, state) => match state.dhs() {
                            Some(dhs) => dhs,
                            None => return Err(Error::invalid_state("no ratchet key of our own")),
                        },
                        (SenderRatchet::AtNextSend, _) => return Err(Error::invalid_state(
                            "a new ratchet key arrived while we have no sending chain: the peer \
                             cannot have received a message on our current one",
                        )),
                    };
                // SkipMessageKeys(state, header.pn) on the current receiving chain, where the
                // header says how long it was (the DR spec keeps only that chain).
                if let (Some(pn), ReceivingChainPolicy::CurrentOnly) =
                    (header.pn, self.profile.receiving_chains)
                {
                    let current = self.receiving.current();
                    self.check_skip(current.map_or(0, |c| c.n), pn)?;
                    if let Some(current) = current {
                        stage_skipped(
                            &self.profile,
                            current.dh,
                            &current.ck,
                            current.n,
                            pn,
                            &mut staged,
                        );
                    }
                }
                let step = self.receiving_step(&own.private, &header.dh)?;
                let first = if crate::fault!(self.profile, nr_not_reset) {
                    self.receiving.current().map_or(0, |c| c.n)
                } else {
                    0
                };
                (Some(step), None, first)
            }
            Located::KnownWithoutChain => {
                return Err(Error::auth_failed(
                    "no receiving chain for this ratchet key yet",
                ))
            }
            Located::Existing(index) => {
                let Some(chain) = self.receiving.get(index) else {
                    return Err(Error::auth_failed(
                        "no receiving chain for this ratchet key",
                    ));
                };
                if header.n < chain.n {
                    return Err(Error::new(
                        ErrorKind::Duplicate,
                        format!(
                            "message {} of this chain was already received or its key is gone (Nr = {})",
                            header.n, chain.n
                        ),
                    ));
                }
                (None, Some(index), chain.n)
            }
        };
        // The chain the message is on, borrowed (not copied) from the step or the chain list.
        let chain_key = match (&step, chain_index.and_then(|i| self.receiving.get(i))) {
            (Some(step), _) => &step.chain_key,
            (None, Some(chain)) => &chain.ck,
            (None, None) => {
                return Err(Error::auth_failed(
                    "no receiving chain for this ratchet key yet",
                ))
            }
        };

        // SkipMessageKeys(state, header.n) on the (possibly new) receiving chain.
        self.check_skip(nr, header.n)?;
        let skipped_to = stage_skipped(
            &self.profile,
            header.dh,
            chain_key,
            nr,
            header.n,
            &mut staged,
        );
        let (next_chain_key, mk) = kdf_ck(&self.profile, skipped_to.as_ref().unwrap_or(chain_key));
        let plaintext = match wire::open(&self.profile, &mk, &parsed, ad) {
            Ok(plaintext) => plaintext,
            Err(e) => {
                if crate::fault!(self.profile, state_kept_after_failure) {
                    self.commit_receive(
                        step,
                        chain_index,
                        header.dh,
                        next_chain_key,
                        header.n + 1,
                        staged,
                        None,
                    );
                }
                return Err(e);
            }
        };

        // Authenticated: the sending half of a DH ratchet step, then commit.
        let sending = match (&step, self.profile.sender_ratchet) {
            (Some(step), SenderRatchet::AtReceive) => {
                let dhs = generate_dh(self.keys.as_mut())?;
                let chain_private = match (
                    crate::fault!(self.profile, stale_ratchet_key),
                    self.sending.dhs(),
                ) {
                    (true, Some(old)) => &old.private,
                    _ => &dhs.private,
                };
                let (rk, cks) = kdf_rk(
                    &self.profile,
                    &step.root_key,
                    &dh(&self.profile, chain_private, &header.dh)?,
                );
                Some((dhs, rk, cks))
            }
            _ => None,
        };
        self.commit_receive(
            step,
            chain_index,
            header.dh,
            next_chain_key,
            header.n + 1,
            staged,
            Some(sending),
        );
        Ok(plaintext)
    }

    /// Commits a received message: the DH step (if any), the chain advance to `next_n` and
    /// the skipped keys. `sending` is the new sending chain of a DR-spec step (`Some(None)` when the step
    /// leaves the session without one; `None` when the commit is the deliberate bug of a
    /// failed message).
    #[allow(clippy::too_many_arguments)]
    fn commit_receive(
        &mut self,
        step: Option<ReceivingStep>,
        chain_index: Option<usize>,
        dh_key: DhPublicKey,
        next_chain_key: ChainKey,
        next_n: u32,
        staged: Vec<(DhPublicKey, u32, MessageKey)>,
        sending: Option<Option<(DhKeyPair, RootKey, ChainKey)>>,
    ) {
        match (step, chain_index) {
            (Some(step), _) => {
                let ns = self.sending.ns();
                // A real step (not the failed-message bug) records PN = Ns.
                if sending.is_some() && !crate::fault!(self.profile, pn_not_recorded) {
                    let previous_counter = if crate::fault!(self.profile, pn_is_last_index) {
                        PreviousCounter::LastIndex
                    } else {
                        self.profile.previous_counter
                    };
                    self.pn = previous_counter.from_ns(ns);
                }
                match sending {
                    Some(Some((dhs, rk, ck))) => {
                        let first_ns = if crate::fault!(self.profile, counter_not_reset) {
                            ns
                        } else {
                            0
                        };
                        self.sending = SendingState::Active {
                            dhs,
                            ck,
                            ns: first_ns,
                        };
                        self.rk = rk;
                    }
                    Some(None) => {
                        self.sending = SendingState::Inactive;
                        self.rk = step.root_key;
                    }
                    None => {
                        self.rk = step.root_key;
                    }
                }
                self.dhr = Some(dh_key);
                let dropped = self.receiving.push_newest(ReceivingChain {
                    dh: dh_key,
                    ck: next_chain_key,
                    n: next_n,
                });
                if let Some(chain) = dropped {
                    if self.skipped.scope() == StoredKeysScope::ReceivingChain {
                        self.skipped.remove_chain(&chain.dh);
                    }
                }
            }
            (None, Some(index)) => {
                if let Some(chain) = self.receiving.get_mut(index) {
                    chain.ck = next_chain_key;
                    chain.n = next_n;
                }
            }
            (None, None) => {}
        }
        if !crate::fault!(self.profile, skipped_keys_not_stored) {
            for (dh, n, mk) in staged {
                self.skipped.insert(dh, n, mk);
            }
        }
    }

    /// DHRatchet(state, header) on its own (DR spec section 3.5), for `dh_ratchet` vectors:
    /// PN = Ns, Ns = Nr = 0, DHr = header.dh, a receiving chain and — where the profile makes
    /// it at once — a sending chain around a new ratchet key drawn from the key source. No
    /// message keys are skipped. On error the session is unchanged.
    pub fn dh_ratchet(&mut self, header: &Header) -> Result<()> {
        let Some(own) = self.sending.dhs() else {
            return Err(Error::invalid_state("no ratchet key of our own"));
        };
        let step = self.receiving_step(&own.private, &header.dh)?;
        let sending = match self.profile.sender_ratchet {
            SenderRatchet::AtReceive => {
                let dhs = generate_dh(self.keys.as_mut())?;
                let (rk, cks) = kdf_rk(
                    &self.profile,
                    &step.root_key,
                    &dh(&self.profile, &dhs.private, &header.dh)?,
                );
                Some((dhs, rk, cks))
            }
            SenderRatchet::AtNextSend => None,
        };
        let chain_key = step.chain_key.clone();
        self.commit_receive(
            Some(step),
            None,
            header.dh,
            chain_key,
            0,
            Vec::new(),
            Some(sending),
        );
        Ok(())
    }

    fn receiving_step(
        &self,
        own: &crate::primitives::DhPrivateKey,
        peer: &DhPublicKey,
    ) -> Result<ReceivingStep> {
        let (root_key, chain_key) = kdf_rk(&self.profile, &self.rk, &dh(&self.profile, own, peer)?);
        Ok(ReceivingStep {
            root_key,
            chain_key,
        })
    }

    /// The spec's guard: more than MAX_SKIP keys skipped in one chain is `too_many_skipped`.
    fn check_skip(&self, nr: u32, until: u32) -> Result<()> {
        let allowed = u64::from(self.profile.limits.max_skip)
            + u64::from(crate::fault!(self.profile, max_skip_off_by_one));
        if u64::from(nr) + allowed < u64::from(until) {
            return Err(Error::new(
                ErrorKind::TooManySkipped,
                format!(
                    "reaching message {until} from Nr = {nr} skips {} keys, more than MAX_SKIP = {}",
                    u64::from(until) - u64::from(nr),
                    self.profile.limits.max_skip
                ),
            ));
        }
        Ok(())
    }

    /// Exports the state in the DR specification's names (the newest receiving chain as
    /// CKr and Nr).
    pub fn snapshot(&self) -> SessionSnapshot {
        let current = self.receiving.current();
        SessionSnapshot {
            dhs: self.sending.dhs().cloned(),
            dhr: self.dhr,
            rk: self.rk.clone(),
            cks: self.sending.chain_key().cloned(),
            ckr: current.map(|c| c.ck.clone()),
            ns: self.sending.ns(),
            nr: current.map_or(0, |c| c.n),
            pn: self.pn,
            mkskipped: self
                .skipped
                .iter_oldest_first()
                .map(|(dh, n, mk)| SkippedKeyEntry {
                    dh,
                    n,
                    mk: mk.clone(),
                })
                .collect(),
        }
    }

    /// Exports the state in Olm's shape: root key, sender chain, receiver chains and
    /// skipped keys, the lists newest first.
    pub fn olm_state(&self) -> OlmSessionState {
        OlmSessionState {
            root_key: self.rk.clone(),
            sender_chain: match &self.sending {
                SendingState::Active { dhs, ck, ns } => Some(OlmSenderChain {
                    ratchet_private: dhs.private.clone(),
                    ratchet_public: dhs.public,
                    chain_key: ck.clone(),
                    index: *ns,
                }),
                _ => None,
            },
            receiver_chains: self
                .receiving
                .iter()
                .map(|c| OlmReceiverChain {
                    ratchet_key: c.dh,
                    chain_key: c.ck.clone(),
                    index: c.n,
                })
                .collect(),
            skipped_keys: {
                let mut keys: Vec<OlmSkippedKey> = self
                    .skipped
                    .iter_oldest_first()
                    .map(|(dh, n, mk)| OlmSkippedKey {
                        ratchet_key: dh,
                        index: n,
                        mk: mk.clone(),
                    })
                    .collect();
                keys.reverse();
                keys
            },
        }
    }

    /// Restores a session from a DR-spec snapshot. The snapshot is untrusted: a DHs public key
    /// that does not match its private key is `invalid_key`; more stored keys than the
    /// profile's cap, a key listed twice, or a CKr without DHr is `malformed`.
    pub fn restore(
        profile: Profile,
        snapshot: &SessionSnapshot,
        keys: Box<dyn KeySource>,
    ) -> Result<Session> {
        if let Some(dhs) = &snapshot.dhs {
            let derived = generate_dh_from_bytes(*dhs.private.expose());
            if derived.public != dhs.public {
                return Err(Error::invalid_key(format!(
                    "DHs.public {} does not match DHs.private (which gives {})",
                    hex::encode(dhs.public.0),
                    hex::encode(derived.public.0)
                )));
            }
        }
        if snapshot.mkskipped.len() > profile.limits.max_stored_keys {
            return Err(Error::malformed(format!(
                "MKSKIPPED holds {} keys, more than the profile's cap of {}",
                snapshot.mkskipped.len(),
                profile.limits.max_stored_keys
            )));
        }
        let mut session = Session::empty(profile, snapshot.rk.clone(), keys);
        for entry in &snapshot.mkskipped {
            if session.skipped.get(&entry.dh, entry.n).is_some() {
                return Err(Error::malformed(format!(
                    "MKSKIPPED lists ({}, {}) twice",
                    hex::encode(entry.dh.0),
                    entry.n
                )));
            }
            session.skipped.insert(entry.dh, entry.n, entry.mk.clone());
        }
        session.sending = match (&snapshot.dhs, &snapshot.cks) {
            (Some(dhs), Some(ck)) => SendingState::Active {
                dhs: dhs.clone(),
                ck: ck.clone(),
                ns: snapshot.ns,
            },
            (Some(dhs), None) => SendingState::Waiting { dhs: dhs.clone() },
            (None, None) => SendingState::Inactive,
            (None, Some(_)) => return Err(Error::malformed("CKs without DHs")),
        };
        session.dhr = snapshot.dhr;
        if let Some(ckr) = &snapshot.ckr {
            let dh = snapshot
                .dhr
                .ok_or_else(|| Error::malformed("CKr without DHr"))?;
            session.receiving.push_newest(ReceivingChain {
                dh,
                ck: ckr.clone(),
                n: snapshot.nr,
            });
        }
        session.pn = snapshot.pn;
        Ok(session)
    }

    /// Restores an established Olm session (one that has received a message, so it sends
    /// normal messages) from its Olm state, the inverse of [`Session::olm_state`]. The state
    /// is untrusted: a sender chain whose public key does not match its private key is
    /// `invalid_key`; more receiving chains or stored keys than the profile keeps, a chain or
    /// key listed twice, a stored key not behind a chain the session holds, or neither a
    /// sending nor a receiving chain is `malformed`.
    pub fn restore_olm(
        profile: Profile,
        state: &OlmSessionState,
        keys: Box<dyn KeySource>,
    ) -> Result<Session> {
        if let Some(chain) = &state.sender_chain {
            let derived = generate_dh_from_bytes(*chain.ratchet_private.expose());
            if derived.public != chain.ratchet_public {
                return Err(Error::invalid_key(format!(
                    "senderChain.ratchetPublic {} does not match senderChain.ratchetPrivate \
                     (which gives {})",
                    hex::encode(chain.ratchet_public.0),
                    hex::encode(derived.public.0)
                )));
            }
        }
        let mut session = Session::empty(profile, state.root_key.clone(), keys);
        let max_chains = session.receiving.max();
        if state.receiver_chains.len() > max_chains {
            return Err(Error::malformed(format!(
                "receiverChains holds {} chains, more than the profile's {max_chains}",
                state.receiver_chains.len()
            )));
        }
        if state.sender_chain.is_none() && state.receiver_chains.is_empty() {
            return Err(Error::malformed(
                "neither a senderChain nor a receiving chain: nothing to send or receive on",
            ));
        }
        for chain in state.receiver_chains.iter().rev() {
            if session.receiving.position(&chain.ratchet_key).is_some() {
                return Err(Error::malformed(format!(
                    "receiverChains lists ratchet key {} twice",
                    hex::encode(chain.ratchet_key.0)
                )));
            }
            session.receiving.push_newest(ReceivingChain {
                dh: chain.ratchet_key,
                ck: chain.chain_key.clone(),
                n: chain.index,
            });
        }
        for key in state.skipped_keys.iter().rev() {
            if session.skipped.get(&key.ratchet_key, key.index).is_some() {
                return Err(Error::malformed(format!(
                    "skippedKeys lists ({}, {}) twice",
                    hex::encode(key.ratchet_key.0),
                    key.index
                )));
            }
            if session.skipped.scope() == StoredKeysScope::ReceivingChain {
                let Some(chain) = state
                    .receiver_chains
                    .iter()
                    .find(|c| c.ratchet_key == key.ratchet_key)
                else {
                    return Err(Error::malformed(format!(
                        "skippedKeys holds a key of ratchet key {}, which is not a receiving \
                         chain: this profile keeps stored keys per receiving chain",
                        hex::encode(key.ratchet_key.0)
                    )));
                };
                if key.index >= chain.index {
                    return Err(Error::malformed(format!(
                        "skippedKeys holds index {} of ratchet key {}, whose chain is only at \
                         index {}: a stored key lies behind its chain",
                        key.index,
                        hex::encode(key.ratchet_key.0),
                        chain.index
                    )));
                }
            }
            if session
                .skipped
                .insert(key.ratchet_key, key.index, key.mk.clone())
                > 0
            {
                return Err(Error::malformed(format!(
                    "skippedKeys holds more keys than the profile's cap of {} per {:?}",
                    profile.limits.max_stored_keys,
                    session.skipped.scope()
                )));
            }
        }
        session.dhr = state.receiver_chains.first().map(|c| c.ratchet_key);
        session.sending = match &state.sender_chain {
            Some(chain) => SendingState::Active {
                dhs: DhKeyPair {
                    private: chain.ratchet_private.clone(),
                    public: chain.ratchet_public,
                },
                ck: chain.chain_key.clone(),
                ns: chain.index,
            },
            None => SendingState::Inactive,
        };
        Ok(session)
    }
}

/// Derives the message keys from `from` up to (not including) `until` on a chain, appending
/// them to `staged`; returns the chain key after them (None when nothing was skipped).
fn stage_skipped(
    profile: &Profile,
    dh: DhPublicKey,
    chain_key: &ChainKey,
    from: u32,
    until: u32,
    staged: &mut Vec<(DhPublicKey, u32, MessageKey)>,
) -> Option<ChainKey> {
    // One allocation for the whole run of keys (at most MAX_SKIP, checked by the caller).
    staged.reserve(until.saturating_sub(from) as usize);
    let mut current: Option<ChainKey> = None;
    for n in from..until {
        let (next, mk) = kdf_ck(profile, current.as_ref().unwrap_or(chain_key));
        staged.push((dh, n, mk));
        current = Some(next);
    }
    current
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("profile", &self.profile.name)
            .field("DHs", &self.ratchet_public_if_any())
            .field("DHr", &self.dhr)
            .field("Ns", &self.sending.ns())
            .field("receiving chains", &self.receiving.len())
            .field("PN", &self.pn)
            .field("MKSKIPPED", &self.skipped.len())
            .finish_non_exhaustive()
    }
}
