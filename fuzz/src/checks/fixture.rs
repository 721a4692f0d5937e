//! Fixed sessions and messages built once from fixed keys, shared by the decrypt targets and
//! the seed-corpus generator.
//!
//! The conversation (fixed SK, Bob's ratchet key from fixed bytes, seeded key sources):
//!
//! ```text
//! Alice: a0 a1 a2 a3            (chain A1)
//! Bob:   receives a0, a2        (a1 skipped → stored)
//! Bob:   b0 b1                  (chain B1)
//! Alice: receives b1            (b0 skipped → stored; DH step → chain A2)
//! Alice: c0 c1                  (chain A2, PN = 4)
//! Bob:   b2                     (chain B1, n = 2)
//! ```
//!
//! Four receiver states are kept as snapshots, each with the genuine messages it has not
//! received yet (every one of them decrypts in that state):
//!
//! | case | state | pending |
//! |---|---|---|
//! | 0 `bob_fresh` | Bob right after `init_bob` | a0, a1, a2, a3 (new chain; 0 to 3 skipped) |
//! | 1 `bob_mid` | Bob after sending b2 | a1 (stored key), a3 (current chain), c0, c1 (next chain, a3 skipped on the way) |
//! | 2 `alice_mid` | Alice after c1 | b0 (stored key), b2 (current chain, n = Nr) |
//! | 3 `bob_far` | Bob at Nr = 2^32 - 4 (see below) | f0, f1, f2 (N = 2^32 - 4 .. 2^32 - 2) |
//!
//! `bob_far` comes from a second pair: Alice sends z0, Bob receives it, then both message
//! counters are relabelled through snapshots (Alice's Ns and Bob's Nr set to 2^32 - 4, the
//! chain keys untouched), as if 2^32 - 5 more messages had been exchanged. Alice then sends
//! f0..f2, the last messages her chain can number. It puts the counters' upper edge within
//! reach of `decrypt_structured`.

use std::sync::OnceLock;

use ratchet_ref::primitives::{generate_dh_from_bytes, ChainKey, RootKey};
use ratchet_ref::{Profile, Session, SessionSnapshot};

use super::keys::CountingKeySource;

/// The fixed X3DH output standing in for SK.
pub const SK: [u8; 32] = *b"ratchet-fuzz fixed shared secret";
/// Bob's fixed first ratchet key (his signed prekey), as private bytes.
pub const BOB_RATCHET_PRIVATE: [u8; 32] = *b"ratchet-fuzz bob ratchet private";
/// The associated data both parties use.
pub const AD: &[u8] = b"ratchet-fuzz associated data (stands in for Encode(IK_A) || Encode(IK_B))";
/// Seed of Alice's key source.
pub const ALICE_SEED: u64 = 0xa11ce;
/// Seed of Bob's key source.
pub const BOB_SEED: u64 = 0xb0b;
/// Where `bob_far`'s counters are relabelled to: 2^32 - 4.
pub const FAR: u32 = u32::MAX - 3;

/// A genuine message the receiver has not seen yet.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Name in the conversation above (`a1`, `c0`, ...).
    pub label: &'static str,
    /// The framed message.
    pub bytes: Vec<u8>,
    /// What it decrypts to.
    pub plaintext: Vec<u8>,
    /// Its N.
    pub n: u32,
    /// The sender's CKs just before it was sent (the chain key its message key came from),
    /// so a check can play a malicious sender that seals other headers on this chain.
    pub sender_chain: ChainKey,
}

/// A receiver state and the genuine messages it can still decrypt.
#[derive(Debug, Clone)]
pub struct ReceiverCase {
    /// Name in the table above.
    pub name: &'static str,
    /// The receiver's state.
    pub state: SessionSnapshot,
    /// Seed for the key source a restored receiver draws from.
    pub seed: u64,
    /// Messages that decrypt in `state`.
    pub pending: Vec<Pending>,
}

/// Everything the decrypt targets start from.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The profile (`spec`, default limits).
    pub profile: Profile,
    /// The associated data.
    pub ad: Vec<u8>,
    /// The receiver states, in the order of the table above.
    pub cases: Vec<ReceiverCase>,
}

impl Fixture {
    /// A live session in `case`'s state, and the key source it draws from (no draws yet).
    pub fn restore(&self, case: &ReceiverCase) -> (Session, CountingKeySource) {
        let keys = CountingKeySource::new(case.seed);
        let session = Session::restore(self.profile, &case.state, keys.boxed())
            .unwrap_or_else(|e| panic!("fixture state {} does not restore: {e}", case.name));
        (session, keys)
    }
}

/// The fixture, built on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

/// Plaintexts of different lengths around the AES block size, so padding is exercised.
fn plaintext(label: &str) -> Vec<u8> {
    let filler = match label {
        "a0" => 0,
        "a1" => 15,
        "a2" => 16,
        "a3" => 17,
        "b0" => 1,
        "b1" => 31,
        "b2" => 32,
        "c0" => 47,
        "f2" => 64,
        _ => 5,
    };
    let mut text = format!("{label}:").into_bytes();
    text.extend(std::iter::repeat_n(b'.', filler));
    text
}

fn send(session: &mut Session, label: &'static str) -> Pending {
    let plaintext = plaintext(label);
    let before = session.snapshot();
    let Some(sender_chain) = before.cks else {
        panic!("fixture: {label}: no sending chain");
    };
    let bytes = session
        .encrypt(&plaintext, AD)
        .unwrap_or_else(|e| panic!("fixture: sending {label} failed: {e}"));
    Pending {
        label,
        bytes,
        plaintext,
        n: before.ns,
        sender_chain,
    }
}

/// Restores `state` with its counters relabelled by `relabel`.
fn relabelled(
    profile: Profile,
    mut state: SessionSnapshot,
    seed: u64,
    relabel: impl FnOnce(&mut SessionSnapshot),
) -> Session {
    relabel(&mut state);
    Session::restore(profile, &state, CountingKeySource::new(seed).boxed())
        .unwrap_or_else(|e| panic!("fixture: relabelled state does not restore: {e}"))
}

fn receive(session: &mut Session, message: &Pending) {
    let got = session
        .decrypt(&message.bytes, AD)
        .unwrap_or_else(|e| panic!("fixture: receiving {} failed: {e}", message.label));
    assert_eq!(got, message.plaintext, "fixture: {} garbled", message.label);
}

fn build() -> Fixture {
    let profile = Profile::spec();
    let bob_ratchet = generate_dh_from_bytes(BOB_RATCHET_PRIVATE);
    let mut alice = Session::init_alice(
        profile,
        RootKey::from_bytes(SK),
        bob_ratchet.public,
        CountingKeySource::new(ALICE_SEED).boxed(),
    )
    .unwrap_or_else(|e| panic!("fixture: init_alice failed: {e}"));
    let mut bob = Session::init_bob(
        profile,
        RootKey::from_bytes(SK),
        bob_ratchet,
        CountingKeySource::new(BOB_SEED).boxed(),
    );
    let bob_fresh = bob.snapshot();

    let a: Vec<Pending> = ["a0", "a1", "a2", "a3"]
        .into_iter()
        .map(|label| send(&mut alice, label))
        .collect();
    receive(&mut bob, &a[0]);
    receive(&mut bob, &a[2]);
    let b0 = send(&mut bob, "b0");
    let b1 = send(&mut bob, "b1");
    receive(&mut alice, &b1);
    let c0 = send(&mut alice, "c0");
    let c1 = send(&mut alice, "c1");
    let b2 = send(&mut bob, "b2");

    let mut far_alice = Session::init_alice(
        profile,
        RootKey::from_bytes(SK),
        generate_dh_from_bytes(BOB_RATCHET_PRIVATE).public,
        CountingKeySource::new(ALICE_SEED ^ 0xfa4).boxed(),
    )
    .unwrap_or_else(|e| panic!("fixture: init_alice failed: {e}"));
    let mut far_bob = Session::init_bob(
        profile,
        RootKey::from_bytes(SK),
        generate_dh_from_bytes(BOB_RATCHET_PRIVATE),
        CountingKeySource::new(BOB_SEED ^ 0xfa4).boxed(),
    );
    let z0 = send(&mut far_alice, "z0");
    receive(&mut far_bob, &z0);
    let mut far_alice = relabelled(profile, far_alice.snapshot(), ALICE_SEED ^ 0xfa5, |s| {
        s.ns = FAR
    });
    let far_bob = relabelled(profile, far_bob.snapshot(), BOB_SEED ^ 0xfa5, |s| {
        s.nr = FAR
    });
    let far: Vec<Pending> = ["f0", "f1", "f2"]
        .into_iter()
        .map(|label| send(&mut far_alice, label))
        .collect();

    let fixture = Fixture {
        profile,
        ad: AD.to_vec(),
        cases: vec![
            ReceiverCase {
                name: "bob_fresh",
                state: bob_fresh,
                seed: BOB_SEED ^ 0xf00d,
                pending: a.clone(),
            },
            ReceiverCase {
                name: "bob_mid",
                state: bob.snapshot(),
                seed: BOB_SEED ^ 0xbeef,
                pending: vec![a[1].clone(), a[3].clone(), c0, c1],
            },
            ReceiverCase {
                name: "alice_mid",
                state: alice.snapshot(),
                seed: ALICE_SEED ^ 0xbeef,
                pending: vec![b0, b2],
            },
            ReceiverCase {
                name: "bob_far",
                state: far_bob.snapshot(),
                seed: BOB_SEED ^ 0xbeef,
                pending: far,
            },
        ],
    };
    // Every pending message must decrypt in its state, or the targets would test nothing.
    for case in &fixture.cases {
        for message in &case.pending {
            let (mut session, _) = fixture.restore(case);
            receive(&mut session, message);
        }
    }
    fixture
}
