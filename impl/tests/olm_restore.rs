//! Restoring an Olm session from its Olm state: the restored session continues exactly where
//! the original stopped, checked against bytes libolm 3.2.16 wrote (PyPI python-olm 3.2.16,
//! driven by harness/adapters/python-olm with these injected private keys), and hostile
//! states are refused with a typed error.

#[path = "common/libolm.rs"]
mod libolm;

use libolm::*;

use ratchet_ref::primitives::{generate_dh_from_bytes, MessageKey};
use ratchet_ref::session::{MessageKind, OlmSessionState, OlmSkippedKey};
use ratchet_ref::triple_dh::{inbound_session, outbound_session};
use ratchet_ref::{ErrorKind, Profile, Session};

fn restore(state: &OlmSessionState, keys: &[[u8; 32]]) -> Result<Session, ErrorKind> {
    Session::restore_olm(Profile::olm(), state, queue(keys)).map_err(|e| e.kind())
}

/// Alice after she has received Bob's reply: no sender chain, one receiving chain.
fn alice_after_reply() -> OlmSessionState {
    let mut alice = outbound_session(
        Profile::olm(),
        &generate_dh_from_bytes(I_A),
        &generate_dh_from_bytes(I_B).public,
        &generate_dh_from_bytes(E_B).public,
        queue(&[E_A, T0]),
    )
    .unwrap();
    alice.session.encrypt(b"hello bob", &[]).unwrap();
    let r1 = hex::decode(LIBOLM_R1).unwrap();
    assert_eq!(alice.session.decrypt(&r1, &[]).unwrap(), b"hi alice");
    alice.session.olm_state()
}

#[test]
fn restored_alice_without_a_sender_chain_writes_libolms_next_message() {
    let state = alice_after_reply();
    assert!(state.sender_chain.is_none());
    let mut restored = restore(&state, &[T2]).unwrap();
    assert_eq!(
        restored.olm_state(),
        state,
        "restore then export is the identity"
    );
    let (kind, m2) = restored.encrypt_typed(b"", &[]).unwrap();
    assert_eq!(kind, MessageKind::Normal, "a restored session has received");
    assert_eq!(hex::encode(m2), LIBOLM_M2);
}

#[test]
fn restored_bob_with_a_sender_chain_reads_libolms_next_message() {
    let bob_identity = generate_dh_from_bytes(I_B);
    let m0 = hex::decode(LIBOLM_M0).unwrap();
    let (mut bob, _) = inbound_session(
        Profile::olm(),
        &bob_identity,
        &generate_dh_from_bytes(E_B),
        &m0,
        queue(&[T1]),
    )
    .unwrap();
    bob.encrypt(b"hi alice", &[]).unwrap();
    let state = bob.olm_state();
    assert!(state.sender_chain.is_some());
    let mut restored = restore(&state, &[]).unwrap();
    assert_eq!(restored.olm_state(), state);
    let m2 = hex::decode(LIBOLM_M2).unwrap();
    assert_eq!(restored.decrypt(&m2, &[]).unwrap(), b"");
}

#[test]
fn hostile_states_are_refused_with_a_typed_error() {
    let good = alice_after_reply();
    let chain = good.receiver_chains[0].clone();

    let mut neither = good.clone();
    neither.receiver_chains.clear();
    assert_eq!(restore(&neither, &[]).unwrap_err(), ErrorKind::Malformed);

    let mut twice = good.clone();
    twice.receiver_chains.push(chain.clone());
    assert_eq!(restore(&twice, &[]).unwrap_err(), ErrorKind::Malformed);

    let mut too_many = good.clone();
    for i in 0..5u8 {
        let mut other = chain.clone();
        other.ratchet_key = generate_dh_from_bytes([0x80 + i; 32]).public;
        too_many.receiver_chains.push(other);
    }
    assert_eq!(
        too_many.receiver_chains.len(),
        6,
        "olm.md keeps at most 5 receiver chains"
    );
    assert_eq!(restore(&too_many, &[]).unwrap_err(), ErrorKind::Malformed);
    // Exactly 5, which a session reaches after five new ratchet keys, restores unchanged.
    let mut five = too_many.clone();
    five.receiver_chains.pop();
    let restored = restore(&five, &[]).unwrap();
    assert_eq!(restored.olm_state(), five, "5 receiver chains restore");

    let bob_identity = generate_dh_from_bytes(I_B);
    let (mut bob, _) = inbound_session(
        Profile::olm(),
        &bob_identity,
        &generate_dh_from_bytes(E_B),
        &hex::decode(LIBOLM_M0).unwrap(),
        queue(&[T1]),
    )
    .unwrap();
    bob.encrypt(b"hi alice", &[]).unwrap();
    let mut mismatched = bob.olm_state();
    mismatched.sender_chain.as_mut().unwrap().ratchet_public.0[0] ^= 1;
    assert_eq!(
        restore(&mismatched, &[]).unwrap_err(),
        ErrorKind::InvalidKey
    );
}

#[test]
fn stored_keys_must_belong_to_a_held_chain_and_stay_under_the_cap() {
    // Move Alice's receiving chain to index 100, as if messages 0..100 had arrived or been
    // skipped, so it can hold the stored keys of a gap behind it.
    let mut good = alice_after_reply();
    good.receiver_chains[0].index = 100;
    let chain = good.receiver_chains[0].clone();
    let stored = |ratchet_key, index| OlmSkippedKey {
        ratchet_key,
        index,
        mk: MessageKey::from_bytes([index as u8; 32]),
    };

    let mut foreign = good.clone();
    foreign.skipped_keys = vec![stored(generate_dh_from_bytes([0x99; 32]).public, 0)];
    assert_eq!(restore(&foreign, &[]).unwrap_err(), ErrorKind::Malformed);

    let mut duplicate = good.clone();
    duplicate.skipped_keys = vec![stored(chain.ratchet_key, 7), stored(chain.ratchet_key, 7)];
    assert_eq!(restore(&duplicate, &[]).unwrap_err(), ErrorKind::Malformed);

    let mut ahead = good.clone();
    ahead.skipped_keys = vec![stored(chain.ratchet_key, 100)];
    assert_eq!(restore(&ahead, &[]).unwrap_err(), ErrorKind::Malformed);

    let cap = u32::try_from(Profile::olm().limits.max_stored_keys).unwrap();
    let mut full = good.clone();
    full.skipped_keys = (0..cap)
        .map(|i| stored(chain.ratchet_key, 10 + i))
        .collect();
    let restored = restore(&full, &[]).unwrap();
    assert_eq!(
        restored.olm_state(),
        full,
        "a chain holding exactly the cap restores"
    );
    let mut over = good;
    over.skipped_keys = (0..=cap)
        .map(|i| stored(chain.ratchet_key, 10 + i))
        .collect();
    assert_eq!(restore(&over, &[]).unwrap_err(), ErrorKind::Malformed);
}
