//! Double Ratchet session behaviour (DR spec section 3): ordering, loss, skip limits,
//! duplicates, tampering, eviction, and the rule that a failed decrypt changes nothing.

mod common;

use common::{pair, receive, rejected, send, small_limits, AD};
use ratchet_ref::primitives::{DhPublicKey, Header};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource};

#[test]
fn in_order_one_way() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 10);
    for (i, m) in messages.iter().enumerate() {
        receive(&mut bob, m, &format!("msg {i}"));
    }
    let snap = bob.snapshot();
    assert_eq!((snap.nr, snap.ns, snap.pn), (10, 0, 0));
    assert!(snap.mkskipped.is_empty());
}

#[test]
fn ping_pong_ratchets_every_turn() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let mut seen_keys = std::collections::HashSet::new();
    for turn in 0..10 {
        let (from, to) = if turn % 2 == 0 {
            (&mut alice, &mut bob)
        } else {
            (&mut bob, &mut alice)
        };
        let m = from.encrypt(format!("turn {turn}").as_bytes(), AD).unwrap();
        let header = Header::decode(&m[..Header::LEN]).unwrap();
        assert!(
            seen_keys.insert(header.dh),
            "turn {turn} reused a ratchet key"
        );
        receive(to, &m, &format!("turn {turn}"));
    }
}

#[test]
fn responder_cannot_send_before_receiving() {
    let (_, mut bob) = pair(Profile::spec());
    let before = bob.snapshot();
    assert_eq!(
        bob.encrypt(b"x", AD).unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    assert_eq!(bob.snapshot(), before);
}

#[test]
fn out_of_order_within_a_chain() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 6);
    for i in [3usize, 0, 5, 1, 4, 2] {
        receive(&mut bob, &messages[i], &format!("msg {i}"));
    }
    assert_eq!(
        bob.skipped_len(),
        0,
        "every skipped key was used and deleted"
    );
}

#[test]
fn out_of_order_across_ratchet_steps_uses_pn() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let first = send(&mut alice, 4);
    receive(&mut bob, &first[0], "msg 0");
    let reply = bob.encrypt(b"reply", AD).unwrap();
    receive(&mut alice, &reply, "reply");
    let second = send(&mut alice, 2);
    let header = Header::decode(&second[0][..Header::LEN]).unwrap();
    assert_eq!(header.pn, 4, "PN counts the previous sending chain");
    // The new chain arrives first: Bob stores keys 1..4 of the old chain from PN.
    receive(&mut bob, &second[1], "msg 1");
    assert_eq!(bob.skipped_len(), 3 + 1);
    receive(&mut bob, &first[3], "msg 3");
    receive(&mut bob, &second[0], "msg 0");
    receive(&mut bob, &first[1], "msg 1");
    receive(&mut bob, &first[2], "msg 2");
    assert_eq!(bob.skipped_len(), 0);
}

#[test]
fn lost_messages_leave_only_their_keys() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 10);
    for i in [0usize, 4, 9] {
        receive(&mut bob, &messages[i], &format!("msg {i}"));
    }
    let stored: Vec<u32> = bob.snapshot().mkskipped.iter().map(|e| e.n).collect();
    assert_eq!(stored, vec![1, 2, 3, 5, 6, 7, 8]);
}

#[test]
fn max_skip_boundary_in_the_current_chain() {
    let profile = small_limits(5, 100);
    let (mut alice, mut bob) = pair(profile);
    let messages = send(&mut alice, 13);
    // Exactly MAX_SKIP = 5 skipped: accepted.
    receive(&mut bob, &messages[5], "msg 5");
    assert_eq!(bob.skipped_len(), 5);
    // From Nr = 6, message 12 needs 6 skips: rejected, nothing changes.
    rejected(&mut bob, &messages[12], AD, ErrorKind::TooManySkipped);
    // 11 needs exactly 5 again: accepted.
    receive(&mut bob, &messages[11], "msg 11");
    receive(&mut bob, &messages[12], "msg 12");
}

#[test]
fn max_skip_boundary_through_pn_of_the_previous_chain() {
    let profile = small_limits(5, 100);
    let (mut alice, mut bob) = pair(profile);
    let first = send(&mut alice, 7);
    receive(&mut bob, &first[0], "msg 0");
    let reply = bob.encrypt(b"reply", AD).unwrap();
    receive(&mut alice, &reply, "reply");
    let second = send(&mut alice, 1);
    // PN = 7 and Bob's Nr = 1: reaching PN skips 6 > MAX_SKIP.
    rejected(&mut bob, &second[0], AD, ErrorKind::TooManySkipped);
    // Once message 1 is in, PN = 7 needs exactly 5 skips.
    receive(&mut bob, &first[1], "msg 1");
    receive(&mut bob, &second[0], "msg 0");
    assert_eq!(bob.skipped_len(), 5);
}

#[test]
fn duplicates_are_rejected_in_order_and_after_skipping() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 3);
    receive(&mut bob, &messages[0], "msg 0");
    rejected(&mut bob, &messages[0], AD, ErrorKind::Duplicate);
    receive(&mut bob, &messages[2], "msg 2");
    receive(&mut bob, &messages[1], "msg 1");
    rejected(&mut bob, &messages[1], AD, ErrorKind::Duplicate);
    rejected(&mut bob, &messages[2], AD, ErrorKind::Duplicate);
}

#[test]
fn tampering_is_rejected_without_state_change_and_the_next_genuine_message_decrypts() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 2);
    receive(&mut bob, &messages[0], "msg 0");
    let genuine = &messages[1];
    let mut cases: Vec<(&str, Vec<u8>, Vec<u8>)> = Vec::new();
    for (name, index) in [
        ("header dh", 5usize),
        ("header pn", 35),
        ("header n", 38),
        ("ciphertext", Header::LEN + 3),
        ("tag", genuine.len() - 1),
    ] {
        let mut m = genuine.clone();
        m[index] ^= 0x01;
        cases.push((name, m, AD.to_vec()));
    }
    let mut wrong_ad = AD.to_vec();
    wrong_ad[0] ^= 0x80;
    cases.push(("associated data", genuine.clone(), wrong_ad));
    let mut appended = genuine.clone();
    appended.push(0);
    cases.push(("trailing byte", appended, AD.to_vec()));
    for (name, message, ad) in &cases {
        let before = bob.snapshot();
        let err = bob.decrypt(message, ad).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::AuthFailed | ErrorKind::InvalidKey),
            "{name}: {err}"
        );
        assert_eq!(bob.snapshot(), before, "{name}: state changed");
    }
    receive(&mut bob, genuine, "msg 1");
}

#[test]
fn tampered_message_from_a_new_ratchet_key_changes_nothing() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let first = send(&mut alice, 1);
    receive(&mut bob, &first[0], "msg 0");
    let mut reply = bob.encrypt(b"reply", AD).unwrap();
    let genuine = reply.clone();
    let last = reply.len() - 1;
    reply[last] ^= 1;
    // The DH ratchet step Alice would take is computed but not committed.
    rejected(&mut alice, &reply, AD, ErrorKind::AuthFailed);
    receive(&mut alice, &genuine, "reply");
}

#[test]
fn truncated_and_empty_messages_are_malformed() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let m = send(&mut alice, 1).remove(0);
    for len in [0usize, 1, Header::LEN - 1, Header::LEN, Header::LEN + 31] {
        rejected(&mut bob, &m[..len], AD, ErrorKind::Malformed);
    }
}

#[test]
fn small_order_ratchet_key_in_a_header_is_invalid_key() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let mut m = send(&mut alice, 1).remove(0);
    m[..32].copy_from_slice(&[0u8; 32]);
    rejected(&mut bob, &m, AD, ErrorKind::InvalidKey);
}

#[test]
fn header_naming_the_responders_prekey_before_any_chain_is_rejected() {
    // Alice's DHr is Bob's prekey but she has no receiving chain for it yet.
    let (mut alice, bob) = pair(Profile::spec());
    let header = Header {
        dh: bob.ratchet_public(),
        pn: 0,
        n: 0,
    };
    let mut forged = header.encode().to_vec();
    forged.extend_from_slice(&[0u8; 48]);
    rejected(&mut alice, &forged, AD, ErrorKind::AuthFailed);
    // Far ahead on that key: still no chain to skip on, so still auth_failed (treated as a new
    // ratchet key, it would be a DH ratchet step refused as too_many_skipped instead).
    let far = Header {
        n: Profile::spec().limits.max_skip + 1,
        ..header
    };
    let mut forged = far.encode().to_vec();
    forged.extend_from_slice(&[0u8; 48]);
    rejected(&mut alice, &forged, AD, ErrorKind::AuthFailed);
}

#[test]
fn eviction_at_the_stored_key_cap_drops_the_oldest_first() {
    let profile = small_limits(10, 4);
    let (mut alice, mut bob) = pair(profile);
    let messages = send(&mut alice, 8);
    // Skipping 0..=5 stores six keys into a store of four: 0 and 1 are evicted.
    receive(&mut bob, &messages[6], "msg 6");
    let stored: Vec<u32> = bob.snapshot().mkskipped.iter().map(|e| e.n).collect();
    assert_eq!(stored, vec![2, 3, 4, 5]);
    // An evicted key is gone: the message can no longer be decrypted.
    rejected(&mut bob, &messages[0], AD, ErrorKind::Duplicate);
    receive(&mut bob, &messages[2], "msg 2");
    // A new chain's skipped keys evict the remaining oldest ones.
    receive(&mut bob, &messages[7], "msg 7");
    let reply = bob.encrypt(b"r", AD).unwrap();
    receive(&mut alice, &reply, "r");
    let next = send(&mut alice, 3);
    receive(&mut bob, &next[2], "msg 2");
    let stored: Vec<u32> = bob.snapshot().mkskipped.iter().map(|e| e.n).collect();
    assert_eq!(
        stored,
        vec![4, 5, 0, 1],
        "3 was evicted first, then 4 stayed in order"
    );
}

#[test]
fn a_used_message_key_is_deleted() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 3);
    receive(&mut bob, &messages[2], "msg 2");
    let before: Vec<u32> = bob.snapshot().mkskipped.iter().map(|e| e.n).collect();
    assert_eq!(before, vec![0, 1]);
    receive(&mut bob, &messages[0], "msg 0");
    let after: Vec<u32> = bob.snapshot().mkskipped.iter().map(|e| e.n).collect();
    assert_eq!(after, vec![1]);
}

#[test]
fn dh_ratchet_step_replaces_chains_and_records_pn() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let first = send(&mut alice, 1);
    receive(&mut bob, &first[0], "msg 0");
    for (i, m) in send(&mut bob, 3).iter().enumerate() {
        receive(&mut alice, m, &format!("msg {i}"));
    }
    let before = alice.snapshot();
    let m = alice.encrypt(b"x", AD).unwrap();
    receive(&mut bob, &m, "x");
    let after_bob = bob.snapshot();
    let reply = bob.encrypt(b"y", AD).unwrap();
    receive(&mut alice, &reply, "y");
    let after = alice.snapshot();
    assert_eq!(
        after.pn,
        before.ns + 1,
        "PN = messages in the previous sending chain"
    );
    assert_eq!((after.ns, after.nr), (0, 1));
    assert_ne!(after.rk, before.rk);
    assert_ne!(
        after.ckr, before.ckr,
        "the old receiving chain key is discarded"
    );
    assert_ne!(after.dhs, before.dhs, "a new ratchet key pair");
    assert_eq!(after.dhr, Some(after_bob.dhs_public()));
}

#[test]
fn failed_decrypts_consume_no_randomness() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let first = send(&mut alice, 1);
    let mut queue = QueuedKeySource::new();
    queue.push([0x33; 32]);
    bob.set_key_source(Box::new(queue));
    let mut tampered = first[0].clone();
    tampered[Header::LEN] ^= 1;
    for _ in 0..3 {
        rejected(&mut bob, &tampered, AD, ErrorKind::AuthFailed);
    }
    // The single queued key is still there for the genuine message's DH ratchet step.
    receive(&mut bob, &first[0], "msg 0");
    assert_eq!(
        bob.ratchet_public(),
        ratchet_ref::primitives::generate_dh_from_bytes([0x33; 32]).public
    );
}

#[test]
fn an_empty_key_queue_is_a_typed_error_and_changes_nothing() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let first = send(&mut alice, 1);
    bob.set_key_source(Box::new(QueuedKeySource::new()));
    rejected(&mut bob, &first[0], AD, ErrorKind::KeySourceExhausted);
}

#[test]
fn messages_from_an_unknown_ratchet_key_with_huge_counters_are_bounded() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let mut m = send(&mut alice, 1).remove(0);
    // PN and N near the top of the range (N = 2^32 - 1 itself is malformed, see below).
    m[32..40].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
    rejected(&mut bob, &m, AD, ErrorKind::TooManySkipped);
    // The same from a ratchet key Bob has never seen: PN is checked before any DH.
    m[..32].copy_from_slice(&DhPublicKey([9; 32]).0);
    rejected(&mut bob, &m, AD, ErrorKind::TooManySkipped);
}

#[test]
fn the_last_message_number_is_rejected_without_touching_the_state() {
    // Found by the decrypt_structured fuzz target: N = 2^32 - 1 left Nr nowhere to go.
    let (mut alice, mut bob) = pair(Profile::spec());
    let mut m = send(&mut alice, 1).remove(0);
    m[36..40].copy_from_slice(&u32::MAX.to_be_bytes());
    rejected(&mut bob, &m, AD, ErrorKind::Malformed);
}
