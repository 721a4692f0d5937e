//! `session_interaction`: two parties and an adversarial network, driven by a [`Script`].
//!
//! Alice and Bob start after X3DH (with or without a one-time prekey) or from a fixed SK, both
//! on the `spec` profile with its default limits (MAX_SKIP = 1000, at most 2000 stored
//! skipped keys, oldest evicted first). The script sends from either party, delivers, drops,
//! duplicates, reorders and tampers with messages in flight, snapshots and restores either
//! party, and "loses" runs of messages cheaply (see [`Action::Lose`]).
//!
//! # The model
//!
//! Each party carries an abstract model of its receiving state, kept independently of the
//! session: DHs (public), DHr, whether CKs / CKr exist, Ns, Nr, PN, the skipped-key store as
//! an insertion-ordered list of (ratchet key, N) capped at `max_stored_keys` with the oldest
//! evicted first, and the set of message keys this state has used. After every action the
//! model is compared with `Session::snapshot()`, field by field and entry by entry.
//!
//! For a genuine message (ratchet key X, PN, N) delivered to a party, the model predicts the
//! outcome exactly, in the documented order of checks:
//!
//! 1. (X, N) in the store: it decrypts (the key leaves the store).
//! 2. X is DHr: N < Nr is `duplicate`; more than MAX_SKIP keys to skip (Nr + MAX_SKIP < N) is
//!    `too_many_skipped`; otherwise it decrypts, storing the keys of Nr..N.
//! 3. Otherwise a DH ratchet step: Nr + MAX_SKIP < PN or MAX_SKIP < N is `too_many_skipped`.
//!    Whether the step lands on the sender's chain is decided by key material, not guessed:
//!    every sending chain's first chain key is recorded when it is created, and the model
//!    recomputes KDF_RK(RK, DH(DHs, X)) from the receiver's snapshot. A match decrypts
//!    (storing Nr..PN of the old chain, then 0..N of the new one, then drawing exactly one
//!    new ratchet key); a mismatch (a message from a chain the receiver has moved past and
//!    whose key is not stored) is `auth_failed`.
//!
//! Eviction is modelled, not tolerated: a key evicted from the bounded store is simply not
//! in the model's store either, so its message falls through to rule 2 (`duplicate` when it
//! is on the current chain) or rule 3 (`auth_failed`, or `too_many_skipped` when its PN is
//! far ahead), and the prediction must match exactly.
//!
//! Further invariants: a message whose key this state has already used is rejected; every
//! forged (tampered) message is rejected with the kind `expected_rejection` gives; every
//! rejection leaves the session unchanged and draws no key; a send from a party without a
//! sending chain (Bob before his first received message) is `invalid_state`; a restored
//! snapshot (after a JSON round trip) restores exactly. "Repeated" is judged against the
//! party's current state: restoring an older snapshot legitimately brings keys back.
//!
//! Inputs stay cheap: at most [`MAX_ACTIONS`] actions, [`MAX_IN_FLIGHT`] messages in flight,
//! plaintexts up to [`MAX_PLAINTEXT`] bytes, and at most [`LOSS_BUDGET`] lost messages per
//! input (enough to cross MAX_SKIP and to fill and evict from the store).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::OnceLock;

use ratchet_ref::primitives::{
    dh, generate_dh, generate_dh_from_bytes, kdf_ck, kdf_rk, ChainKey, DhPublicKey, Header,
    IdentityKeyPair, Message, RootKey,
};
use ratchet_ref::x3dh::{initiate, respond, sign_prekey, PreKeyBundle};
use ratchet_ref::{ErrorKind, Profile, SeededKeySource, Session, SessionSnapshot};

use super::fixture;
use super::input::ByteReader;
use super::keys::CountingKeySource;
use super::oracle::{assert_unchanged, expected_rejection};

/// Most actions in one script.
pub const MAX_ACTIONS: usize = 64;
/// Most messages in flight; further sends are lost.
pub const MAX_IN_FLIGHT: usize = 32;
/// Snapshot slots per party; a new snapshot replaces the oldest.
pub const MAX_SLOTS: usize = 4;
/// Most messages lost by [`Action::Lose`] per script.
pub const LOSS_BUDGET: u32 = 4_500;
/// Most messages lost by one [`Action::Lose`].
pub const MAX_LOSS_PER_ACTION: u32 = 1_100;
/// Longest plaintext.
pub const MAX_PLAINTEXT: usize = 48;

/// One of the two parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The initiator.
    Alice,
    /// The responder.
    Bob,
}

impl Party {
    fn index(self) -> usize {
        match self {
            Party::Alice => 0,
            Party::Bob => 1,
        }
    }

    fn peer(self) -> Party {
        match self {
            Party::Alice => Party::Bob,
            Party::Bob => Party::Alice,
        }
    }
}

/// How the session starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// The fixture's fixed SK and Bob ratchet key.
    FixedSk,
    /// X3DH without a one-time prekey.
    X3dh,
    /// X3DH with a one-time prekey.
    X3dhWithOneTimePrekey,
}

/// A change to a message in flight; the result is a forgery (added, the original stays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// Flip this bit (modulo the message's bit length).
    FlipBit(u16),
    /// Cut to this length (modulo the current length, so always shorter).
    Truncate(u16),
    /// Append this byte.
    Append(u8),
}

/// One step of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Encrypt a message.
    Send {
        /// The sender.
        from: Party,
        /// What it says.
        plaintext: Vec<u8>,
    },
    /// Deliver the in-flight message at this index (modulo their count) to its recipient.
    Deliver(u8),
    /// Deliver the newest message in flight.
    DeliverNewest,
    /// Deliver every message in flight, oldest first.
    DeliverAll,
    /// Lose a message in flight.
    Drop(u8),
    /// Copy a message in flight (a replay).
    Duplicate(u8),
    /// Swap two messages in flight.
    Reorder(u8, u8),
    /// Add a tampered copy of a message in flight.
    Tamper {
        /// Which message.
        index: u8,
        /// What to change.
        how: Tamper,
    },
    /// Save the party's state into a slot.
    Snapshot(Party),
    /// Restore the party from a slot (modulo the number of filled slots).
    Restore {
        /// Who.
        party: Party,
        /// Which slot.
        slot: u8,
    },
    /// The party sends this many messages (capped) that are all lost: its sending chain is
    /// advanced through a snapshot (CKs stepped with KDF_CK, Ns increased) and restored.
    /// This reaches MAX_SKIP and a full store for the cost of KDF_CK steps, not encryptions.
    Lose {
        /// The sender.
        from: Party,
        /// How many.
        count: u16,
    },
}

/// A structured `session_interaction` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// How the session starts.
    pub setup: Setup,
    /// What happens.
    pub actions: Vec<Action>,
}

impl Script {
    /// Decodes any byte string into a script: one setup byte, then per action an opcode byte
    /// (low nibble: the action; top bit: the party) and its operands.
    pub fn decode(data: &[u8]) -> Script {
        let mut input = ByteReader::new(data);
        let setup = match input.u8() % 3 {
            0 => Setup::FixedSk,
            1 => Setup::X3dh,
            _ => Setup::X3dhWithOneTimePrekey,
        };
        let mut actions = Vec::new();
        while !input.is_empty() && actions.len() < MAX_ACTIONS {
            let op = input.u8();
            let party = if op & 0x80 == 0 {
                Party::Alice
            } else {
                Party::Bob
            };
            let action = match op & 0x0f {
                0..=2 | 15 => Action::Send {
                    from: party,
                    plaintext: input.short_bytes(MAX_PLAINTEXT).to_vec(),
                },
                3..=5 => Action::Deliver(input.u8()),
                6 => Action::DeliverNewest,
                7 => Action::DeliverAll,
                8 => Action::Drop(input.u8()),
                9 => Action::Duplicate(input.u8()),
                10 => Action::Reorder(input.u8(), input.u8()),
                11 => Action::Tamper {
                    index: input.u8(),
                    how: match input.u8() % 3 {
                        0 => Tamper::FlipBit(input.u16()),
                        1 => Tamper::Truncate(input.u16()),
                        _ => Tamper::Append(input.u8()),
                    },
                },
                12 => Action::Snapshot(party),
                13 => Action::Restore {
                    party,
                    slot: input.u8(),
                },
                _ => Action::Lose {
                    from: party,
                    count: input.u16(),
                },
            };
            actions.push(action);
        }
        Script { setup, actions }
    }

    /// The bytes [`Script::decode`] turns into this script (for seeds and tests). A
    /// plaintext holds at most [`MAX_PLAINTEXT`] bytes.
    pub fn encode(&self) -> Vec<u8> {
        let party_bit = |party: Party| match party {
            Party::Alice => 0u8,
            Party::Bob => 0x80,
        };
        let mut out = vec![match self.setup {
            Setup::FixedSk => 0,
            Setup::X3dh => 1,
            Setup::X3dhWithOneTimePrekey => 2,
        }];
        for action in self.actions.iter().take(MAX_ACTIONS) {
            match action {
                Action::Send { from, plaintext } => {
                    let plaintext = &plaintext[..plaintext.len().min(MAX_PLAINTEXT)];
                    out.extend([party_bit(*from), plaintext.len() as u8]);
                    out.extend_from_slice(plaintext);
                }
                Action::Deliver(index) => out.extend([3, *index]),
                Action::DeliverNewest => out.push(6),
                Action::DeliverAll => out.push(7),
                Action::Drop(index) => out.extend([8, *index]),
                Action::Duplicate(index) => out.extend([9, *index]),
                Action::Reorder(a, b) => out.extend([10, *a, *b]),
                Action::Tamper { index, how } => {
                    out.extend([11, *index]);
                    match how {
                        Tamper::FlipBit(bit) => {
                            out.push(0);
                            out.extend(bit.to_be_bytes());
                        }
                        Tamper::Truncate(len) => {
                            out.push(1);
                            out.extend(len.to_be_bytes());
                        }
                        Tamper::Append(byte) => out.extend([2, *byte]),
                    }
                }
                Action::Snapshot(party) => out.push(12 | party_bit(*party)),
                Action::Restore { party, slot } => out.extend([13 | party_bit(*party), *slot]),
                Action::Lose { from, count } => {
                    out.push(14 | party_bit(*from));
                    out.extend(count.to_be_bytes());
                }
            }
        }
        out
    }
}

/// What a script did, for tests that must show a path was taken.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InteractionReport {
    /// Messages encrypted.
    pub sent: usize,
    /// Sends refused with `invalid_state`.
    pub refused_sends: usize,
    /// Genuine messages decrypted.
    pub decrypted: usize,
    /// DH ratchet steps taken on receipt.
    pub dh_steps: usize,
    /// Genuine messages rejected, by kind.
    pub genuine_rejected: BTreeMap<ErrorKind, usize>,
    /// Forged messages rejected.
    pub forged_rejected: usize,
    /// Restores from a snapshot slot.
    pub restores: usize,
    /// Messages lost through [`Action::Lose`].
    pub lost: u32,
    /// Skipped keys evicted from a full store.
    pub evicted: usize,
}

/// The `session_interaction` check.
pub fn check_session_interaction(data: &[u8]) -> InteractionReport {
    run_script(&Script::decode(data))
}

/// The start of a session: both states, the AD, and Bob's first ratchet public key.
struct Start {
    alice: SessionSnapshot,
    bob: SessionSnapshot,
    ad: Vec<u8>,
    bob_ratchet: DhPublicKey,
}

fn start(setup: Setup) -> &'static Start {
    static STARTS: OnceLock<[Start; 3]> = OnceLock::new();
    let starts = STARTS.get_or_init(|| {
        [
            build_start(Setup::FixedSk),
            build_start(Setup::X3dh),
            build_start(Setup::X3dhWithOneTimePrekey),
        ]
    });
    match setup {
        Setup::FixedSk => &starts[0],
        Setup::X3dh => &starts[1],
        Setup::X3dhWithOneTimePrekey => &starts[2],
    }
}

fn fail<T>(e: ratchet_ref::Error) -> T {
    panic!("setup: {e}")
}

fn build_start(setup: Setup) -> Start {
    let profile = Profile::spec();
    let (sk, bob_ratchet, ad) = match setup {
        Setup::FixedSk => (
            RootKey::from_bytes(fixture::SK),
            generate_dh_from_bytes(fixture::BOB_RATCHET_PRIVATE),
            fixture::AD.to_vec(),
        ),
        Setup::X3dh | Setup::X3dhWithOneTimePrekey => {
            let mut source = SeededKeySource::from_u64(0x1d);
            let alice_ik = IdentityKeyPair::generate(&mut source).unwrap_or_else(fail);
            let bob_ik = IdentityKeyPair::generate(&mut source).unwrap_or_else(fail);
            let spk = generate_dh(&mut source).unwrap_or_else(fail);
            let opk = generate_dh(&mut source).unwrap_or_else(fail);
            let with_opk = setup == Setup::X3dhWithOneTimePrekey;
            let bundle = PreKeyBundle {
                identity_key: bob_ik.public(),
                signed_prekey: spk.public,
                signed_prekey_signature: sign_prekey(&profile, &bob_ik, &spk.public),
                one_time_prekey: with_opk.then_some(opk.public),
            };
            let alice = initiate(&profile, &alice_ik, &bundle, &mut source).unwrap_or_else(fail);
            let bob = respond(
                &profile,
                &bob_ik,
                &spk,
                with_opk.then_some(&opk),
                &alice_ik.public(),
                &alice.ephemeral.public,
            )
            .unwrap_or_else(fail);
            assert!(alice.sk == bob.sk, "setup: X3DH SKs differ");
            assert_eq!(alice.ad, bob.ad, "setup: X3DH ADs differ");
            (alice.sk, spk, alice.ad)
        }
    };
    let bob_ratchet_public = bob_ratchet.public;
    let alice = Session::init_alice(
        profile,
        sk.clone(),
        bob_ratchet_public,
        CountingKeySource::new(fixture::ALICE_SEED).boxed(),
    )
    .unwrap_or_else(|e| panic!("setup: init_alice: {e}"));
    let bob = Session::init_bob(
        profile,
        sk,
        bob_ratchet,
        CountingKeySource::new(fixture::BOB_SEED).boxed(),
    );
    Start {
        alice: alice.snapshot(),
        bob: bob.snapshot(),
        ad,
        bob_ratchet: bob_ratchet_public,
    }
}

/// The abstract state the model keeps per party.
#[derive(Debug, Clone)]
struct Model {
    dhs: DhPublicKey,
    dhr: Option<DhPublicKey>,
    sending: bool,
    receiving: bool,
    ns: u32,
    nr: u32,
    pn: u32,
    skipped: VecDeque<(DhPublicKey, u32)>,
    skipped_set: BTreeSet<(DhPublicKey, u32)>,
    used: BTreeSet<(DhPublicKey, u32)>,
}

impl Model {
    fn store(&mut self, key: (DhPublicKey, u32), cap: usize, report: &mut InteractionReport) {
        if self.skipped_set.remove(&key) {
            self.skipped.retain(|k| *k != key);
        }
        while self.skipped.len() >= cap {
            match self.skipped.pop_front() {
                Some(old) => {
                    self.skipped_set.remove(&old);
                    report.evicted += 1;
                }
                None => return,
            }
        }
        self.skipped.push_back(key);
        self.skipped_set.insert(key);
    }

    fn take_stored(&mut self, key: (DhPublicKey, u32)) {
        self.skipped_set.remove(&key);
        self.skipped.retain(|k| *k != key);
    }

    fn assert_matches(&self, who: Party, state: &SessionSnapshot) {
        let fields = [
            ("DHs", state.dhs_public() == self.dhs),
            ("DHr", state.dhr == self.dhr),
            ("CKs present", state.cks.is_some() == self.sending),
            ("CKr present", state.ckr.is_some() == self.receiving),
            ("Ns", state.ns == self.ns),
            ("Nr", state.nr == self.nr),
            ("PN", state.pn == self.pn),
            (
                "MKSKIPPED",
                state.mkskipped.len() == self.skipped.len()
                    && state
                        .mkskipped
                        .iter()
                        .zip(&self.skipped)
                        .all(|(entry, key)| (entry.dh, entry.n) == *key),
            ),
        ];
        for (name, ok) in fields {
            assert!(
                ok,
                "{who:?}: session and model disagree on {name}: session Ns={} Nr={} PN={} \
                 stored={}, model {:?}",
                state.ns,
                state.nr,
                state.pn,
                state.mkskipped.len(),
                (self.ns, self.nr, self.pn, self.skipped.len())
            );
        }
    }
}

/// How a genuine message is expected to decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Stored,
    SameChain,
    NewChain,
}

#[derive(Debug, Clone)]
enum Origin {
    Genuine {
        dh: DhPublicKey,
        pn: u32,
        n: u32,
        plaintext: Vec<u8>,
    },
    Forged,
}

#[derive(Debug, Clone)]
struct InFlight {
    to: Party,
    bytes: Vec<u8>,
    origin: Origin,
}

struct Peer {
    session: Session,
    keys: CountingKeySource,
    model: Model,
    slots: Vec<(SessionSnapshot, Model)>,
}

struct World {
    profile: Profile,
    ad: Vec<u8>,
    peers: [Peer; 2],
    in_flight: Vec<InFlight>,
    /// Every genuine message ever sent, so that a tamper which happens to restore a genuine
    /// message's bytes (flipping the same bit twice) is classified as that message.
    sent: Vec<InFlight>,
    /// Every sending chain ever created: ratchet public key → its first chain key.
    chains: BTreeMap<DhPublicKey, ChainKey>,
    loss_left: u32,
    report: InteractionReport,
}

/// Runs a decoded script.
pub fn run_script(script: &Script) -> InteractionReport {
    let profile = Profile::spec();
    let start = start(script.setup);
    let peer = |state: &SessionSnapshot, seed: u64, model: Model| {
        let keys = CountingKeySource::new(seed);
        let session = Session::restore(profile, state, keys.boxed())
            .unwrap_or_else(|e| panic!("setup: restore: {e}"));
        Peer {
            session,
            keys,
            model,
            slots: Vec::new(),
        }
    };
    let alice_model = Model {
        dhs: start.alice.dhs_public(),
        dhr: Some(start.bob_ratchet),
        sending: true,
        receiving: false,
        ns: 0,
        nr: 0,
        pn: 0,
        skipped: VecDeque::new(),
        skipped_set: BTreeSet::new(),
        used: BTreeSet::new(),
    };
    let bob_model = Model {
        dhs: start.bob_ratchet,
        dhr: None,
        sending: false,
        ..alice_model.clone()
    };
    let Some(alice_chain) = start.alice.cks.clone() else {
        panic!("setup: Alice has no sending chain after init_alice");
    };
    let mut world = World {
        profile,
        ad: start.ad.clone(),
        peers: [
            peer(&start.alice, fixture::ALICE_SEED ^ 0x5c, alice_model),
            peer(&start.bob, fixture::BOB_SEED ^ 0x5c, bob_model),
        ],
        in_flight: Vec::new(),
        sent: Vec::new(),
        chains: BTreeMap::from([(start.alice.dhs_public(), alice_chain)]),
        loss_left: LOSS_BUDGET,
        report: InteractionReport::default(),
    };
    world.check_model(Party::Alice);
    world.check_model(Party::Bob);
    for action in &script.actions {
        world.act(action);
    }
    world.check_model(Party::Alice);
    world.check_model(Party::Bob);
    world.report
}

impl World {
    fn peer(&mut self, party: Party) -> &mut Peer {
        &mut self.peers[party.index()]
    }

    fn check_model(&self, party: Party) {
        let peer = &self.peers[party.index()];
        peer.model.assert_matches(party, &peer.session.snapshot());
    }

    fn index(&self, raw: u8) -> Option<usize> {
        if self.in_flight.is_empty() {
            None
        } else {
            Some(usize::from(raw) % self.in_flight.len())
        }
    }

    fn act(&mut self, action: &Action) {
        match action {
            Action::Send { from, plaintext } => self.send(*from, plaintext),
            Action::Deliver(raw) => {
                if let Some(index) = self.index(*raw) {
                    self.deliver(index);
                }
            }
            Action::DeliverNewest => {
                if !self.in_flight.is_empty() {
                    self.deliver(self.in_flight.len() - 1);
                }
            }
            Action::DeliverAll => {
                while !self.in_flight.is_empty() {
                    self.deliver(0);
                }
            }
            Action::Drop(raw) => {
                if let Some(index) = self.index(*raw) {
                    self.in_flight.remove(index);
                }
            }
            Action::Duplicate(raw) => {
                if let Some(index) = self.index(*raw) {
                    if self.in_flight.len() < MAX_IN_FLIGHT {
                        self.in_flight.push(self.in_flight[index].clone());
                    }
                }
            }
            Action::Reorder(a, b) => {
                if let (Some(a), Some(b)) = (self.index(*a), self.index(*b)) {
                    self.in_flight.swap(a, b);
                }
            }
            Action::Tamper { index, how } => {
                if let Some(index) = self.index(*index) {
                    self.tamper(index, how);
                }
            }
            Action::Snapshot(party) => {
                let peer = self.peer(*party);
                if peer.slots.len() == MAX_SLOTS {
                    peer.slots.remove(0);
                }
                let saved = (peer.session.snapshot(), peer.model.clone());
                peer.slots.push(saved);
            }
            Action::Restore { party, slot } => self.restore(*party, *slot),
            Action::Lose { from, count } => self.lose(*from, u32::from(*count)),
        }
    }

    fn send(&mut self, from: Party, plaintext: &[u8]) {
        let profile = self.profile;
        let ad = self.ad.clone();
        let peer = self.peer(from);
        let before = peer.session.snapshot();
        let draws = peer.keys.draws();
        match peer.session.encrypt(plaintext, &ad) {
            Ok(bytes) => {
                assert!(peer.model.sending, "{from:?} sent without a sending chain");
                assert_eq!(peer.keys.draws(), draws, "{from:?}: encrypt drew a key");
                let header = match Message::parse(&profile, &bytes) {
                    Ok(message) => message.header,
                    Err(e) => panic!("{from:?}: own message does not parse: {e}"),
                };
                let expected = Header {
                    dh: peer.model.dhs,
                    pn: peer.model.pn,
                    n: peer.model.ns,
                };
                assert_eq!(header, expected, "{from:?}: header");
                assert_eq!(
                    bytes.len(),
                    Header::LEN + (plaintext.len() / 16 + 1) * 16 + profile.aead.mac_len,
                    "{from:?}: message length"
                );
                peer.model.ns += 1;
                self.report.sent += 1;
                let message = InFlight {
                    to: from.peer(),
                    bytes,
                    origin: Origin::Genuine {
                        dh: header.dh,
                        pn: header.pn,
                        n: header.n,
                        plaintext: plaintext.to_vec(),
                    },
                };
                self.sent.push(message.clone());
                if self.in_flight.len() < MAX_IN_FLIGHT {
                    self.in_flight.push(message);
                }
            }
            Err(e) => {
                assert!(
                    !peer.model.sending && e.kind() == ErrorKind::InvalidState,
                    "{from:?}: send refused: {e}"
                );
                assert_unchanged(&peer.session, &before, draws, peer.keys.draws(), "send");
                self.report.refused_sends += 1;
            }
        }
        self.check_model(from);
    }

    fn tamper(&mut self, index: usize, how: &Tamper) {
        if self.in_flight.len() >= MAX_IN_FLIGHT {
            return;
        }
        let original = &self.in_flight[index];
        let mut bytes = original.bytes.clone();
        match how {
            Tamper::FlipBit(bit) => {
                if !bytes.is_empty() {
                    let bit = usize::from(*bit) % (bytes.len() * 8);
                    bytes[bit / 8] ^= 1 << (bit % 8);
                }
            }
            Tamper::Truncate(len) => {
                if !bytes.is_empty() {
                    bytes.truncate(usize::from(*len) % bytes.len());
                }
            }
            Tamper::Append(byte) => bytes.push(*byte),
        }
        if bytes == original.bytes {
            return;
        }
        let to = original.to;
        let tampered = match self.sent.iter().find(|m| m.to == to && m.bytes == bytes) {
            Some(genuine) => genuine.clone(),
            None => InFlight {
                to,
                bytes,
                origin: Origin::Forged,
            },
        };
        self.in_flight.push(tampered);
    }

    fn restore(&mut self, party: Party, slot: u8) {
        let profile = self.profile;
        let peer = self.peer(party);
        if peer.slots.is_empty() {
            return;
        }
        let (state, model) = peer.slots[usize::from(slot) % peer.slots.len()].clone();
        let json = serde_json::to_string(&state)
            .unwrap_or_else(|e| panic!("{party:?}: snapshot does not serialise: {e}"));
        let parsed: SessionSnapshot = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{party:?}: snapshot JSON does not parse back: {e}"));
        assert!(parsed == state, "{party:?}: snapshot JSON round trip");
        peer.session = Session::restore(profile, &parsed, peer.keys.boxed())
            .unwrap_or_else(|e| panic!("{party:?}: a genuine snapshot does not restore: {e}"));
        assert!(
            peer.session.snapshot() == state,
            "{party:?}: snapshot(restore(s)) != s"
        );
        peer.model = model;
        self.report.restores += 1;
        self.check_model(party);
    }

    fn lose(&mut self, from: Party, count: u32) {
        let profile = self.profile;
        let count = count.min(MAX_LOSS_PER_ACTION).min(self.loss_left);
        let peer = &mut self.peers[from.index()];
        if count == 0 || !peer.model.sending {
            return;
        }
        let mut state = peer.session.snapshot();
        let Some(mut chain) = state.cks.clone() else {
            panic!("{from:?}: the model says CKs exists, the session has none");
        };
        for _ in 0..count {
            chain = kdf_ck(&profile, &chain).0;
        }
        state.cks = Some(chain);
        state.ns = state
            .ns
            .checked_add(count)
            .unwrap_or_else(|| panic!("{from:?}: Ns overflow in the harness"));
        peer.session = Session::restore(profile, &state, peer.keys.boxed())
            .unwrap_or_else(|e| panic!("{from:?}: advanced snapshot does not restore: {e}"));
        peer.model.ns += count;
        self.loss_left -= count;
        self.report.lost += count;
        self.check_model(from);
    }

    fn deliver(&mut self, index: usize) {
        let message = self.in_flight.remove(index);
        let to = message.to;
        let profile = self.profile;
        let ad = self.ad.clone();
        let peer = &mut self.peers[to.index()];
        let before = peer.session.snapshot();
        let draws = peer.keys.draws();
        let result = peer.session.decrypt(&message.bytes, &ad);
        match &message.origin {
            Origin::Forged => {
                let expected = expected_rejection(&profile, &before, &message.bytes, &ad);
                match result {
                    Ok(_) => panic!("{to:?} accepted a tampered message"),
                    Err(e) => assert_eq!(e.kind(), expected, "{to:?}: tampered message: {e}"),
                }
                assert_unchanged(&peer.session, &before, draws, peer.keys.draws(), "forged");
                self.report.forged_rejected += 1;
            }
            Origin::Genuine {
                dh: ratchet_key,
                pn,
                n,
                plaintext,
            } => {
                let key = (*ratchet_key, *n);
                let prediction = predict(&profile, &peer.model, &before, &self.chains, key, *pn);
                let what = format!("{to:?} receiving (pn {pn}, n {n})");
                if peer.model.used.contains(&key) {
                    assert!(prediction.is_err(), "{what}: model would reuse a used key");
                    assert!(
                        result.is_err(),
                        "{what}: a used message key decrypted again"
                    );
                }
                match (prediction, result) {
                    (Ok(step), Ok(got)) => {
                        assert_eq!(&got, plaintext, "{what}: wrong plaintext");
                        let fresh = step == Step::NewChain;
                        assert_eq!(
                            peer.keys.draws(),
                            draws + u64::from(fresh),
                            "{what}: keys drawn"
                        );
                        self.report.decrypted += 1;
                        self.apply(to, step, key, *pn);
                    }
                    (Err(kind), Err(e)) => {
                        assert_eq!(e.kind(), kind, "{what}: {e}");
                        assert_unchanged(&peer.session, &before, draws, peer.keys.draws(), &what);
                        *self.report.genuine_rejected.entry(kind).or_default() += 1;
                    }
                    (Ok(step), Err(e)) => {
                        panic!("{what}: should decrypt ({step:?}) but was rejected: {e}")
                    }
                    (Err(kind), Ok(_)) => panic!("{what}: should be {kind} but decrypted"),
                }
            }
        }
        self.check_model(to);
    }

    /// Applies a successful receipt to the model.
    fn apply(&mut self, to: Party, step: Step, key: (DhPublicKey, u32), pn: u32) {
        let cap = self.profile.limits.max_stored_keys;
        let peer = &mut self.peers[to.index()];
        let model = &mut peer.model;
        let report = &mut self.report;
        let (ratchet_key, n) = key;
        match step {
            Step::Stored => model.take_stored(key),
            Step::SameChain => {
                for skipped in model.nr..n {
                    model.store((ratchet_key, skipped), cap, report);
                }
                model.nr = n + 1;
            }
            Step::NewChain => {
                if let (Some(old), true) = (model.dhr, model.receiving) {
                    for skipped in model.nr..pn {
                        model.store((old, skipped), cap, report);
                    }
                }
                for skipped in 0..n {
                    model.store((ratchet_key, skipped), cap, report);
                }
                let after = peer.session.snapshot();
                assert!(after.dhs_public() != model.dhs, "{to:?}: DH step kept DHs");
                let Some(first) = after.cks.clone() else {
                    panic!("{to:?}: no sending chain after a DH step");
                };
                if let Some(known) = self.chains.insert(after.dhs_public(), first.clone()) {
                    assert!(known == first, "{to:?}: a ratchet key was reused");
                }
                model.dhs = after.dhs_public();
                model.dhr = Some(ratchet_key);
                model.pn = model.ns;
                model.ns = 0;
                model.nr = n + 1;
                model.sending = true;
                model.receiving = true;
                report.dh_steps += 1;
            }
        }
        model.used.insert(key);
    }
}

/// The model's prediction for a genuine message (see the module docs).
fn predict(
    profile: &Profile,
    model: &Model,
    state: &SessionSnapshot,
    chains: &BTreeMap<DhPublicKey, ChainKey>,
    key: (DhPublicKey, u32),
    pn: u32,
) -> Result<Step, ErrorKind> {
    let (ratchet_key, n) = key;
    let max_skip = u64::from(profile.limits.max_skip);
    if model.skipped_set.contains(&key) {
        return Ok(Step::Stored);
    }
    if model.dhr == Some(ratchet_key) {
        if !model.receiving {
            return Err(ErrorKind::AuthFailed);
        }
        if n < model.nr {
            return Err(ErrorKind::Duplicate);
        }
        if u64::from(model.nr) + max_skip < u64::from(n) {
            return Err(ErrorKind::TooManySkipped);
        }
        return Ok(Step::SameChain);
    }
    if u64::from(model.nr) + max_skip < u64::from(pn) || max_skip < u64::from(n) {
        return Err(ErrorKind::TooManySkipped);
    }
    let Some(first) = chains.get(&ratchet_key) else {
        panic!("a genuine message's ratchet key was never registered");
    };
    let shared = dh(profile, &state.dhs_private(), &ratchet_key)
        .unwrap_or_else(|e| panic!("DH with a genuine ratchet key failed: {e}"));
    let (_, derived) = kdf_rk(profile, &state.rk, &shared);
    if derived == *first {
        Ok(Step::NewChain)
    } else {
        Err(ErrorKind::AuthFailed)
    }
}
