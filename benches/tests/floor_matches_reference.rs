//! The floors (benches/hot_path/floor.rs for `spec`, floor_olm.rs for `olm`) must do all the
//! work ratchet-ref does, or the ratios to them mean nothing: each must produce
//! byte-identical messages and keys, and a floor party must hold a conversation with a
//! ratchet-ref session of its profile in both directions. (`tests/olm_with_vodozemac.rs`
//! checks the olm floor against vodozemac as well.)

#[path = "../benches/hot_path/floor.rs"]
mod floor;
#[path = "../benches/hot_path/floor_olm.rs"]
mod floor_olm;

use ratchet_ref::primitives::olm_message::{CHAIN_INDEX_TAG, CIPHERTEXT_TAG, RATCHET_KEY_TAG};
use ratchet_ref::primitives::{
    derive_message_key_material, generate_dh, generate_dh_from_bytes, kdf_rk, ChainKey, DhOutput,
    MessageKey, RootKey,
};
use ratchet_ref::profile::MessageFormat;
use ratchet_ref::session::MessageKind;
use ratchet_ref::triple_dh::{inbound_session, outbound_session};
use ratchet_ref::{OsKeySource, Profile, QueuedKeySource, Session};
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

// ---- olm ----

const R0: [u8; 32] = [0x5c; 32];
const C0: [u8; 32] = [0x3a; 32];
const T0: [u8; 32] = [0x22; 32];

/// The constants the olm floor takes from olm.md are the olm profile's.
#[test]
fn olm_floor_constants_are_the_olm_profile_s() {
    let profile = Profile::olm();
    assert_eq!(
        floor_olm::MESSAGE_KEY_INPUT,
        profile.kdf_ck.message_key_input
    );
    assert_eq!(floor_olm::CHAIN_KEY_INPUT, profile.kdf_ck.chain_key_input);
    assert_eq!(floor_olm::MESSAGE_KEYS_INFO, profile.aead.info);
    assert_eq!(floor_olm::RATCHET_INFO, profile.kdf_rk_info);
    assert_eq!(floor_olm::MAC_LEN, profile.aead.mac_len);
    let MessageFormat::Olm(format) = profile.wire else {
        panic!("the olm profile has Olm's message format");
    };
    assert_eq!(floor_olm::VERSION, format.version_byte);
    assert_eq!(
        [
            floor_olm::RATCHET_KEY_TAG,
            floor_olm::CHAIN_INDEX_TAG,
            floor_olm::CIPHERTEXT_TAG
        ],
        [RATCHET_KEY_TAG, CHAIN_INDEX_TAG, CIPHERTEXT_TAG]
    );
}

#[test]
fn olm_floor_key_derivations_match_ratchet_ref() {
    let profile = Profile::olm();
    let ck = [0x42; 32];
    let (next, mk) = floor_olm::kdf_ck(&ck);
    let (ref_next, ref_mk) = ratchet_ref::primitives::kdf_ck(&profile, &ChainKey::from_bytes(ck));
    assert_eq!(&next, ref_next.expose());
    assert_eq!(&mk, ref_mk.expose());

    let keys = floor_olm::message_keys(&mk);
    let material = derive_message_key_material(&profile, &MessageKey::from_bytes(mk));
    assert_eq!(keys[..32], material.enc_key);
    assert_eq!(keys[32..64], material.auth_key);
    assert_eq!(keys[64..], material.iv);
    // Not the spec profile's keys: the label is part of the derivation.
    assert_ne!(keys, floor::message_keys(&mk));

    let (rk, ck) = floor_olm::kdf_rk(&[1; 32], &[2; 32]);
    let (ref_rk, ref_ck) = kdf_rk(
        &profile,
        &RootKey::from_bytes([1; 32]),
        &DhOutput::from_bytes([2; 32]),
    );
    assert_eq!(&rk, ref_rk.expose());
    assert_eq!(&ck, ref_ck.expose());
}

/// An established ratchet-ref olm pair, as the benches build it: the triple DH, Alice's
/// pre-key message, Bob's inbound session and reply, then one more message from Alice.
fn olm_sessions() -> (Session, Session) {
    let profile = Profile::olm();
    let alice_identity = generate_dh(&mut OsKeySource).unwrap();
    let bob_identity = generate_dh(&mut OsKeySource).unwrap();
    let bob_one_time = generate_dh(&mut OsKeySource).unwrap();
    let mut alice = outbound_session(
        profile,
        &alice_identity,
        &bob_identity.public,
        &bob_one_time.public,
        Box::new(OsKeySource),
    )
    .unwrap()
    .session;
    let first = alice.encrypt(b"hello", &[]).unwrap();
    let (mut bob, hello) = inbound_session(
        profile,
        &bob_identity,
        &bob_one_time,
        &first,
        Box::new(OsKeySource),
    )
    .unwrap();
    assert_eq!(hello, b"hello");
    let reply = bob.encrypt(b"hi", &[]).unwrap();
    alice.decrypt(&reply, &[]).unwrap();
    let settle = alice.encrypt(b"settle", &[]).unwrap();
    bob.decrypt(&settle, &[]).unwrap();
    assert_eq!(alice.next_message_kind(), MessageKind::Normal);
    (alice, bob)
}

/// Byte for byte, across the sizes of the benches and the one- to three-byte varints of the
/// ciphertext length (127 B pads to 128) and of the chain index (past 127).
#[test]
fn olm_floor_send_is_byte_identical_to_ratchet_ref_olm_encrypt() {
    let (mut alice, _) = olm_sessions();
    let chain = alice.olm_state().sender_chain.unwrap();
    let mut sender = floor_olm::Sender {
        ck: *chain.chain_key.expose(),
        ratchet_key: chain.ratchet_public.0,
        index: chain.index,
    };
    let sizes = [0usize, 1, 15, 16, 100, 111, 112, 1024, 65536];
    for (i, size) in sizes.iter().copied().chain([3; 130]).enumerate() {
        let pt = vec![size as u8; size];
        let ours = sender.send(&pt);
        let reference = alice.encrypt(&pt, &[]).unwrap();
        assert_eq!(ours, reference, "message {i}, {size} bytes");
    }
    assert!(sender.index > 128, "the chain index took two varint bytes");
    let chain = alice.olm_state().sender_chain.unwrap();
    assert_eq!(&sender.ck, chain.chain_key.expose());
    assert_eq!(sender.index, chain.index);
}

#[test]
fn olm_floor_receive_decrypts_ratchet_ref_messages_and_rejects_tampering() {
    let (mut alice, bob) = olm_sessions();
    let chain = &bob.olm_state().receiver_chains[0];
    let mut receiver = floor_olm::Receiver {
        ck: *chain.chain_key.expose(),
        ratchet_key: chain.ratchet_key.0,
        index: chain.index,
    };
    for size in [0usize, 100, 1024, 65536] {
        let pt = vec![0x3c; size];
        let message = alice.encrypt(&pt, &[]).unwrap();
        let fields = floor_olm::fields(&message).unwrap();
        let ciphertext_at = message.len() - 8 - fields.ciphertext.len();
        for (what, at) in [
            ("the MAC", message.len() - 1),
            ("the ciphertext", ciphertext_at),
            ("the version byte", 0),
            ("the ratchet key", 3),
        ] {
            let mut tampered = message.clone();
            tampered[at] ^= 1;
            assert_eq!(receiver.receive(&tampered), None, "{what} flipped");
        }
        assert_eq!(receiver.receive(&message[..message.len() - 1]), None);
        assert_eq!(receiver.receive(&message).as_deref(), Some(&pt[..]));
    }
}

/// Alternating messages, every one but the first a root step: floor Alice with ratchet-ref
/// Bob, then ratchet-ref Alice with floor Bob, both from the same R0, C0,0 and T0.
#[test]
fn olm_floor_party_talks_to_ratchet_ref_olm_in_both_roles() {
    let profile = Profile::olm();
    let t0_public = generate_dh_from_bytes(T0).public;

    let mut floor_alice = floor_olm::Party::alice(R0, C0, StaticSecret::from(T0));
    let mut ref_bob = Session::init_bob_on_first_chain(
        profile,
        RootKey::from_bytes(R0),
        ChainKey::from_bytes(C0),
        t0_public,
        Box::new(OsKeySource),
    )
    .unwrap();
    for round in 0..6u8 {
        let pt = vec![round; 100 + usize::from(round)];
        for _ in 0..=round % 2 {
            let to_bob = floor_alice.send(&pt);
            assert_eq!(ref_bob.decrypt(&to_bob, &[]).unwrap(), pt);
        }
        let to_alice = ref_bob.encrypt(&pt, &[]).unwrap();
        assert_eq!(floor_alice.receive(&to_alice).unwrap(), pt);
    }

    let mut keys = QueuedKeySource::new();
    keys.push(T0);
    let mut ref_alice = Session::init_alice_on_first_chain(
        profile,
        RootKey::from_bytes(R0),
        ChainKey::from_bytes(C0),
        None,
        Box::new(keys),
    )
    .unwrap();
    assert_eq!(ref_alice.ratchet_public(), t0_public);
    ref_alice.set_key_source(Box::new(OsKeySource));
    let mut floor_bob = floor_olm::Party::bob(R0, C0, t0_public.0);
    for round in 0..6u8 {
        let pt = vec![round; 1000];
        let to_bob = ref_alice.encrypt(&pt, &[]).unwrap();
        assert_eq!(floor_bob.receive(&to_bob).unwrap(), pt);
        for _ in 0..=round % 2 {
            let to_alice = floor_bob.send(&pt);
            assert_eq!(ref_alice.decrypt(&to_alice, &[]).unwrap(), pt);
        }
    }
}
