//! The floor (benches/hot_path/floor.rs) must do all the work ratchet-ref does, or the
//! ratios to it mean nothing: it must produce byte-identical messages and keys, and a floor
//! party must hold a conversation with a ratchet-ref session in both directions.

#[path = "../benches/hot_path/floor.rs"]
mod floor;

use ratchet_ref::primitives::{
    derive_message_key_material, generate_dh_from_bytes, kdf_rk, ChainKey, DhOutput, MessageKey,
    RootKey,
};
use ratchet_ref::{OsKeySource, Profile, Session};
use x25519_dalek::StaticSecret;

const AD: [u8; 66] = [0xad; 66];
const SK: [u8; 32] = [0x5c; 32];

fn sessions() -> (Session, Session) {
    let profile = Profile::spec();
    let bob = generate_dh_from_bytes([0x11; 32]);
    let alice = Session::init_alice(
        profile,
        RootKey::from_bytes(SK),
        bob.public,
        Box::new(OsKeySource),
    )
    .unwrap();
    let bob = Session::init_bob(profile, RootKey::from_bytes(SK), bob, Box::new(OsKeySource));
    (alice, bob)
}

#[test]
fn floor_send_is_byte_identical_to_ratchet_encrypt() {
    let (mut alice, _) = sessions();
    for size in [0usize, 1, 15, 16, 100, 1024, 65536] {
        let snapshot = alice.snapshot();
        let mut sender = floor::Sender {
            ck: *snapshot.cks.as_ref().unwrap().expose(),
            dh: snapshot.dhs_public().0,
            pn: snapshot.pn,
            n: snapshot.ns,
        };
        let pt = vec![size as u8; size];
        let ours = sender.send(&AD, &pt);
        let reference = alice.encrypt(&pt, &AD).unwrap();
        assert_eq!(ours, reference, "{size}-byte message");
        assert_eq!(&sender.ck, alice.snapshot().cks.unwrap().expose());
    }
}

#[test]
fn floor_receive_decrypts_ratchet_messages_and_rejects_tampering() {
    let (mut alice, mut bob) = sessions();
    let first = alice.encrypt(b"first", &AD).unwrap();
    bob.decrypt(&first, &AD).unwrap();
    let snapshot = bob.snapshot();
    let mut receiver = floor::Receiver {
        ck: *snapshot.ckr.as_ref().unwrap().expose(),
        dh: snapshot.dhr.unwrap().0,
        n: snapshot.nr,
    };
    for size in [0usize, 100, 1024, 65536] {
        let pt = vec![0x3c; size];
        let message = alice.encrypt(&pt, &AD).unwrap();
        let mut tampered = message.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(receiver.receive(&AD, &tampered), None);
        assert_eq!(receiver.receive(&AD, &message).as_deref(), Some(&pt[..]));
    }
}

#[test]
fn floor_key_derivations_match_ratchet_ref() {
    let profile = Profile::spec();
    let ck = [0x42; 32];
    let (next, mk) = floor::kdf_ck(&ck);
    let (ref_next, ref_mk) = ratchet_ref::primitives::kdf_ck(&profile, &ChainKey::from_bytes(ck));
    assert_eq!(&next, ref_next.expose());
    assert_eq!(&mk, ref_mk.expose());

    let keys = floor::message_keys(&mk);
    let material = derive_message_key_material(&profile, &MessageKey::from_bytes(mk));
    assert_eq!(keys[..32], material.enc_key);
    assert_eq!(keys[32..64], material.auth_key);
    assert_eq!(keys[64..], material.iv);

    let (rk, ck) = floor::kdf_rk(&[1; 32], &[2; 32]);
    let (ref_rk, ref_ck) = kdf_rk(
        &profile,
        &RootKey::from_bytes([1; 32]),
        &DhOutput::from_bytes([2; 32]),
    );
    assert_eq!(&rk, ref_rk.expose());
    assert_eq!(&ck, ref_ck.expose());
}

/// Alternating messages, every one a DH ratchet step: floor Alice with ratchet-ref Bob, then
/// ratchet-ref Alice with floor Bob.
#[test]
fn floor_party_talks_to_ratchet_ref_in_both_roles() {
    let profile = Profile::spec();
    let bob_private = [0x11; 32];
    let bob_pair = generate_dh_from_bytes(bob_private);

    let mut floor_alice =
        floor::Party::alice(SK, bob_pair.public.0, StaticSecret::from([0x22; 32])).unwrap();
    let mut ref_bob = Session::init_bob(
        profile,
        RootKey::from_bytes(SK),
        bob_pair.clone(),
        Box::new(OsKeySource),
    );
    for round in 0..6u8 {
        let pt = vec![round; 100 + usize::from(round)];
        let to_bob = floor_alice.send(&AD, &pt).unwrap();
        assert_eq!(ref_bob.decrypt(&to_bob, &AD).unwrap(), pt);
        let to_alice = ref_bob.encrypt(&pt, &AD).unwrap();
        assert_eq!(floor_alice.receive(&AD, &to_alice).unwrap(), pt);
    }

    let (mut ref_alice, _) = sessions();
    let mut floor_bob = floor::Party::bob(SK, StaticSecret::from(bob_private));
    assert!(floor_bob.send(&AD, b"too early").is_none());
    for round in 0..6u8 {
        let pt = vec![round; 1000];
        let to_bob = ref_alice.encrypt(&pt, &AD).unwrap();
        assert_eq!(floor_bob.receive(&AD, &to_bob).unwrap(), pt);
        let to_alice = floor_bob.send(&AD, &pt).unwrap();
        assert_eq!(ref_alice.decrypt(&to_alice, &AD).unwrap(), pt);
    }
}
