//! RatchetInitAlice, RatchetInitBob, RatchetEncrypt and RatchetDecrypt (DR spec sections 3.3
//! to 3.5), with one deliberate strengthening of the spec's pseudocode: decryption is
//! transactional. Every change (skipped keys, DH ratchet step, chain advance) is computed
//! into locals and committed only once the message has authenticated, so a failed decrypt
//! leaves the session exactly as it was and consumes no randomness. The new ratchet key of a
//! DH ratchet step is drawn only after authentication succeeds.

use crate::error::{Error, ErrorKind, Result};
use crate::key_source::{KeySource, OsKeySource};
use crate::primitives::aead::{decrypt_parts, encrypt_into};
use crate::primitives::{
    dh, generate_dh, generate_dh_from_bytes, kdf_ck, kdf_rk, ChainKey, DhKeyPair, DhPublicKey,
    Header, Message, MessageKey, RootKey,
};
use crate::profile::Profile;

use super::skipped_keys::SkippedKeyStore;
use super::snapshot::{SessionSnapshot, SkippedKeyEntry};

/// One party's Double Ratchet state.
pub struct Session {
    profile: Profile,
    dhs: DhKeyPair,
    dhr: Option<DhPublicKey>,
    rk: RootKey,
    cks: Option<ChainKey>,
    ckr: Option<ChainKey>,
    ns: u32,
    nr: u32,
    pn: u32,
    skipped: SkippedKeyStore,
    keys: Box<dyn KeySource>,
}

/// The result of the part of a DH ratchet step that the received message alone determines.
struct ReceivingStep {
    root_key: RootKey,
    chain_key: ChainKey,
}

impl Session {
    /// RatchetInitAlice: the initiator knows SK and Bob's ratchet public key (his signed
    /// prekey), draws her first ratchet key from `keys` and can send at once.
    pub fn init_alice(
        profile: Profile,
        sk: RootKey,
        bob_ratchet_public: DhPublicKey,
        mut keys: Box<dyn KeySource>,
    ) -> Result<Session> {
        let dhs = generate_dh(keys.as_mut())?;
        let (rk, cks) = kdf_rk(
            &profile,
            &sk,
            &dh(&profile, &dhs.private, &bob_ratchet_public)?,
        );
        Ok(Session {
            profile,
            dhs,
            dhr: Some(bob_ratchet_public),
            rk,
            cks: Some(cks),
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            skipped: SkippedKeyStore::new(profile.limits.max_stored_keys),
            keys,
        })
    }

    /// RatchetInitBob: the responder starts from SK and his ratchet key pair (the signed
    /// prekey); he can send only after his first received message.
    pub fn init_bob(
        profile: Profile,
        sk: RootKey,
        bob_ratchet: DhKeyPair,
        keys: Box<dyn KeySource>,
    ) -> Session {
        Session {
            profile,
            dhs: bob_ratchet,
            dhr: None,
            rk: sk,
            cks: None,
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            skipped: SkippedKeyStore::new(profile.limits.max_stored_keys),
            keys,
        }
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

    /// Our current ratchet public key.
    pub fn ratchet_public(&self) -> DhPublicKey {
        self.dhs.public
    }

    /// Number of skipped message keys stored.
    pub fn skipped_len(&self) -> usize {
        self.skipped.len()
    }

    /// RatchetEncrypt: returns the framed message header ‖ ciphertext ‖ tag, authenticated
    /// with CONCAT(ad, header). `invalid_state` before the first sending chain exists.
    pub fn encrypt(&mut self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>> {
        let cks = self.cks.as_ref().ok_or_else(|| {
            Error::invalid_state("no sending chain yet: the responder must receive a message first")
        })?;
        if self.ns == u32::MAX {
            return Err(Error::invalid_state(
                "the sending chain's message counter is exhausted",
            ));
        }
        let (next_ck, mk) = kdf_ck(&self.profile, cks);
        let header = Header {
            dh: self.dhs.public,
            pn: self.pn,
            n: self.ns,
        };
        let header_bytes = header.encode();
        let mut out = Vec::with_capacity(
            Header::LEN + (plaintext.len() / 16 + 1) * 16 + self.profile.aead.mac_len,
        );
        out.extend_from_slice(&header_bytes);
        let authenticated_header: &[u8] = if crate::fault!(self.profile, header_not_authenticated) {
            &[]
        } else {
            &header_bytes
        };
        encrypt_into(
            &self.profile,
            &mk,
            plaintext,
            &[ad, authenticated_header],
            &mut out,
        );
        if !crate::fault!(self.profile, chain_key_not_advanced) {
            self.cks = Some(next_ck);
        }
        self.ns += 1;
        Ok(out)
    }

    /// RatchetDecrypt of a framed message. On any error the session is unchanged.
    pub fn decrypt(&mut self, message: &[u8], ad: &[u8]) -> Result<Vec<u8>> {
        let parsed = Message::parse(&self.profile, message)?;
        let header = parsed.header;
        if header.n == u32::MAX {
            // No sender uses this number (Ns would overflow), and receiving it would leave
            // Nr nowhere to go.
            return Err(Error::malformed(
                "message number 2^32 - 1 is out of range: no message can follow it",
            ));
        }
        let ad_parts: [&[u8]; 2] = if crate::fault!(self.profile, header_not_authenticated) {
            [ad, &[]]
        } else {
            [ad, parsed.header_bytes]
        };

        // TrySkippedMessageKeys: the key is removed only once the message authenticates.
        if let Some(mk) = self.skipped.get(&header.dh, header.n) {
            let plaintext = decrypt_parts(&self.profile, mk, parsed.body, &ad_parts)?;
            if !crate::fault!(self.profile, skipped_keys_not_deleted) {
                self.skipped.remove(&header.dh, header.n);
            }
            return Ok(plaintext);
        }

        let mut staged: Vec<(DhPublicKey, u32, MessageKey)> = Vec::new();
        let new_chain = self.dhr != Some(header.dh)
            && !(crate::fault!(self.profile, no_dh_ratchet_step) && self.ckr.is_some());
        let (step, nr) = if new_chain {
            // SkipMessageKeys(state, header.pn) on the current receiving chain.
            self.check_skip(self.nr, header.pn)?;
            if let (Some(dhr), Some(ckr)) = (&self.dhr, &self.ckr) {
                stage_skipped(&self.profile, *dhr, ckr, self.nr, header.pn, &mut staged);
            }
            (Some(self.receiving_step(&header.dh)?), 0)
        } else {
            if self.ckr.is_none() {
                return Err(Error::auth_failed(
                    "no receiving chain for this ratchet key yet",
                ));
            }
            if header.n < self.nr {
                return Err(Error::new(
                    ErrorKind::Duplicate,
                    format!(
                        "message {} of this chain was already received or its key is gone (Nr = {})",
                        header.n, self.nr
                    ),
                ));
            }
            (None, self.nr)
        };
        // The chain the message is on, borrowed (not copied) from the step or from CKr.
        let chain_key = match (&step, &self.ckr) {
            (Some(step), _) => &step.chain_key,
            (None, Some(ckr)) => ckr,
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
        let nr = header.n;
        let (next_chain_key, mk) = kdf_ck(&self.profile, skipped_to.as_ref().unwrap_or(chain_key));
        let plaintext = match decrypt_parts(&self.profile, &mk, parsed.body, &ad_parts) {
            Ok(plaintext) => plaintext,
            Err(e) => {
                if crate::fault!(self.profile, state_kept_after_failure) {
                    if let Some(step) = step {
                        self.dhr = Some(header.dh);
                        self.rk = step.root_key;
                    }
                    self.ckr = Some(next_chain_key);
                    self.nr = nr + 1;
                    for (dh, n, mk) in staged {
                        self.skipped.insert(dh, n, mk);
                    }
                }
                return Err(e);
            }
        };

        // Authenticated: commit.
        if let Some(step) = step {
            let dhs = generate_dh(self.keys.as_mut())?;
            let chain_private = if crate::fault!(self.profile, stale_ratchet_key) {
                &self.dhs.private
            } else {
                &dhs.private
            };
            let (rk, cks) = kdf_rk(
                &self.profile,
                &step.root_key,
                &dh(&self.profile, chain_private, &header.dh)?,
            );
            if !crate::fault!(self.profile, pn_not_recorded) {
                self.pn = self.ns;
            }
            self.ns = 0;
            self.dhr = Some(header.dh);
            self.dhs = dhs;
            self.rk = rk;
            self.cks = Some(cks);
        }
        self.ckr = Some(next_chain_key);
        self.nr = nr + 1;
        if !crate::fault!(self.profile, skipped_keys_not_stored) {
            for (dh, n, mk) in staged {
                self.skipped.insert(dh, n, mk);
            }
        }
        Ok(plaintext)
    }

    /// DHRatchet(state, header) on its own (DR spec section 3.5), for `dh_ratchet` vectors:
    /// PN = Ns, Ns = Nr = 0, DHr = header.dh, a receiving and a sending chain from two
    /// KDF_RK steps around a new ratchet key drawn from the key source. No message keys are
    /// skipped. On error the session is unchanged.
    pub fn dh_ratchet(&mut self, header: &Header) -> Result<()> {
        let step = self.receiving_step(&header.dh)?;
        let dhs = generate_dh(self.keys.as_mut())?;
        let (rk, cks) = kdf_rk(
            &self.profile,
            &step.root_key,
            &dh(&self.profile, &dhs.private, &header.dh)?,
        );
        if !crate::fault!(self.profile, pn_not_recorded) {
            self.pn = self.ns;
        }
        self.ns = 0;
        self.nr = 0;
        self.dhr = Some(header.dh);
        self.ckr = Some(step.chain_key);
        self.dhs = dhs;
        self.rk = rk;
        self.cks = Some(cks);
        Ok(())
    }

    fn receiving_step(&self, peer: &DhPublicKey) -> Result<ReceivingStep> {
        let (root_key, chain_key) = kdf_rk(
            &self.profile,
            &self.rk,
            &dh(&self.profile, &self.dhs.private, peer)?,
        );
        Ok(ReceivingStep {
            root_key,
            chain_key,
        })
    }

    /// The spec's guard: more than MAX_SKIP keys skipped in one chain is `too_many_skipped`.
    fn check_skip(&self, nr: u32, until: u32) -> Result<()> {
        if u64::from(nr) + u64::from(self.profile.limits.max_skip) < u64::from(until) {
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

    /// Exports every state variable.
    pub fn snapshot(&self) -> SessionSnapshot {
        SessionSnapshot {
            dhs: self.dhs.clone(),
            dhr: self.dhr,
            rk: self.rk.clone(),
            cks: self.cks.clone(),
            ckr: self.ckr.clone(),
            ns: self.ns,
            nr: self.nr,
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

    /// Restores a session from a snapshot. The snapshot is untrusted: a DHs public key that
    /// does not match its private key is `invalid_key`; more stored keys than the profile's
    /// cap, or a key listed twice, is `malformed`.
    pub fn restore(
        profile: Profile,
        snapshot: &SessionSnapshot,
        keys: Box<dyn KeySource>,
    ) -> Result<Session> {
        let derived = generate_dh_from_bytes(*snapshot.dhs.private.expose());
        if derived.public != snapshot.dhs.public {
            return Err(Error::invalid_key(format!(
                "DHs.public {} does not match DHs.private (which gives {})",
                hex::encode(snapshot.dhs.public.0),
                hex::encode(derived.public.0)
            )));
        }
        if snapshot.mkskipped.len() > profile.limits.max_stored_keys {
            return Err(Error::malformed(format!(
                "MKSKIPPED holds {} keys, more than the profile's cap of {}",
                snapshot.mkskipped.len(),
                profile.limits.max_stored_keys
            )));
        }
        let mut skipped = SkippedKeyStore::new(profile.limits.max_stored_keys);
        for entry in &snapshot.mkskipped {
            if skipped.get(&entry.dh, entry.n).is_some() {
                return Err(Error::malformed(format!(
                    "MKSKIPPED lists ({}, {}) twice",
                    hex::encode(entry.dh.0),
                    entry.n
                )));
            }
            skipped.insert(entry.dh, entry.n, entry.mk.clone());
        }
        Ok(Session {
            profile,
            dhs: snapshot.dhs.clone(),
            dhr: snapshot.dhr,
            rk: snapshot.rk.clone(),
            cks: snapshot.cks.clone(),
            ckr: snapshot.ckr.clone(),
            ns: snapshot.ns,
            nr: snapshot.nr,
            pn: snapshot.pn,
            skipped,
            keys,
        })
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
            .field("DHs", &self.dhs.public)
            .field("DHr", &self.dhr)
            .field("Ns", &self.ns)
            .field("Nr", &self.nr)
            .field("PN", &self.pn)
            .field("MKSKIPPED", &self.skipped.len())
            .finish_non_exhaustive()
    }
}
