//! vodozemac 0.11.1 as the independent check of the `olm` benches: the olm floor
//! (benches/hot_path/floor_olm.rs) holds a conversation with vodozemac in both roles, and
//! ratchet-ref's olm sessions (`ratchet-olm/…`) and vodozemac on the wire
//! (`peer-vodozemac-wire/…`) exchange the very same bytes, so those benches compare the same
//! wire format and the same cryptography. Only the handshake's triple DH, which no timed
//! message performs, is taken from ratchet-ref for the floor.

#[path = "../benches/hot_path/floor_olm.rs"]
mod floor_olm;

use ratchet_ref::primitives::olm_message::OlmMessage as RefOlmMessage;
use ratchet_ref::primitives::{generate_dh_from_bytes, DhPublicKey, OlmPreKeyMessage};
use ratchet_ref::session::MessageKind;
use ratchet_ref::triple_dh::{inbound_session, initiate, outbound_session, respond};
use ratchet_ref::{OsKeySource, Profile, Session as RefSession};
use vodozemac::olm::{Account, Message, OlmMessage, PreKeyMessage, Session, SessionConfig};
use vodozemac::Curve25519PublicKey;
use x25519_dalek::StaticSecret;

/// vodozemac's message types in `to_parts` / `from_parts`.
const PRE_KEY: usize = 0;
const NORMAL: usize = 1;

fn key(bytes: [u8; 32]) -> Curve25519PublicKey {
    Curve25519PublicKey::from_bytes(bytes)
}

fn ours(key: Curve25519PublicKey) -> DhPublicKey {
    DhPublicKey(key.to_bytes())
}

/// What vodozemac sends, as bytes; after its first received message, always a normal one.
fn vodozemac_send(session: &mut Session, pt: &[u8]) -> Vec<u8> {
    let (message_type, bytes) = session.encrypt(pt).unwrap().to_parts();
    assert_eq!(message_type, NORMAL);
    bytes
}

fn vodozemac_receive(session: &mut Session, bytes: &[u8]) -> Vec<u8> {
    session
        .decrypt(&OlmMessage::from_parts(NORMAL, bytes).unwrap())
        .unwrap()
}

/// A bob account with one published one-time key: (account, identity key, one-time key).
fn vodozemac_bob() -> (Account, Curve25519PublicKey, Curve25519PublicKey) {
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let one_time = *bob.one_time_keys().values().next().unwrap();
    bob.mark_keys_as_published();
    let identity = bob.curve25519_key();
    (bob, identity, one_time)
}

/// Sizes of the benches and around the varint and block boundaries; one or two messages
/// in a row, so both chain steps and root steps are crossed.
fn plaintexts() -> impl Iterator<Item = (usize, Vec<u8>)> {
    [0usize, 100, 111, 112, 1024, 65536, 3, 3]
        .into_iter()
        .enumerate()
        .map(|(i, size)| (1 + i % 2, vec![i as u8; size]))
}

#[test]
fn olm_floor_party_talks_to_vodozemac_in_both_roles() {
    let profile = Profile::olm();

    // vodozemac Alice, floor Bob.
    let bob_identity = generate_dh_from_bytes([0x31; 32]);
    let bob_one_time = generate_dh_from_bytes([0x32; 32]);
    let mut alice = Account::new()
        .create_outbound_session(
            SessionConfig::version_1(),
            key(bob_identity.public.0),
            key(bob_one_time.public.0),
        )
        .unwrap();
    let OlmMessage::PreKey(first) = alice.encrypt(b"hello bob").unwrap() else {
        panic!("an outbound session starts with a pre-key message");
    };
    assert_eq!(first.one_time_key(), key(bob_one_time.public.0));
    let agreed = respond(
        &profile,
        &bob_identity.private,
        &bob_one_time.private,
        &ours(first.identity_key()),
        &ours(first.base_key()),
    )
    .unwrap();
    let mut floor_bob = floor_olm::Party::bob(
        *agreed.root_key.expose(),
        *agreed.chain_key.expose(),
        first.message().ratchet_key().to_bytes(),
    );
    let inner = first.message().to_bytes();
    assert_eq!(floor_bob.receive(&inner).unwrap(), b"hello bob");
    for (in_a_row, pt) in plaintexts() {
        for _ in 0..in_a_row {
            let to_alice = floor_bob.send(&pt);
            assert_eq!(vodozemac_receive(&mut alice, &to_alice), pt);
        }
        for _ in 0..in_a_row {
            let to_bob = vodozemac_send(&mut alice, &pt);
            assert_eq!(floor_bob.receive(&to_bob).unwrap(), pt);
        }
    }

    // Floor Alice, vodozemac Bob. The floor's first message travels in a pre-key message.
    let (mut bob_account, bob_identity, bob_one_time) = vodozemac_bob();
    let alice_identity = generate_dh_from_bytes([0x41; 32]);
    let alice_base = generate_dh_from_bytes([0x42; 32]);
    let agreed = initiate(
        &profile,
        &alice_identity.private,
        &alice_base.private,
        &ours(bob_identity),
        &ours(bob_one_time),
    )
    .unwrap();
    let mut floor_alice = floor_olm::Party::alice(
        *agreed.root_key.expose(),
        *agreed.chain_key.expose(),
        StaticSecret::from([0x43; 32]),
    );
    let first = floor_alice.send(b"hello bob");
    let wrapped = OlmPreKeyMessage {
        one_time_key: ours(bob_one_time),
        base_key: alice_base.public,
        identity_key: alice_identity.public,
        message: &first,
    }
    .encode(floor_olm::VERSION);
    let inbound = bob_account
        .create_inbound_session(
            SessionConfig::version_1(),
            key(alice_identity.public.0),
            &PreKeyMessage::from_bytes(&wrapped).unwrap(),
        )
        .unwrap();
    assert_eq!(inbound.plaintext, b"hello bob");
    let mut bob = inbound.session;
    for (in_a_row, pt) in plaintexts() {
        for _ in 0..in_a_row {
            let to_bob = floor_alice.send(&pt);
            assert_eq!(vodozemac_receive(&mut bob, &to_bob), pt);
        }
        for _ in 0..in_a_row {
            let to_alice = vodozemac_send(&mut bob, &pt);
            assert_eq!(floor_alice.receive(&to_alice).unwrap(), pt);
        }
    }
}

/// ratchet-ref's olm message and vodozemac's reading of it are the same message: vodozemac
/// decodes it to the same fields and re-encodes it to the same bytes.
fn assert_vodozemac_reads_the_same_message(bytes: &[u8]) {
    let theirs = Message::from_bytes(bytes).unwrap();
    let ref_parsed = RefOlmMessage::parse(bytes, 0x03, 8, u64::from(u32::MAX)).unwrap();
    assert_eq!(theirs.ratchet_key().to_bytes(), ref_parsed.ratchet_key.0);
    assert_eq!(theirs.chain_index(), ref_parsed.chain_index);
    assert_eq!(theirs.ciphertext(), ref_parsed.ciphertext);
    assert_eq!(theirs.to_bytes(), bytes);
}

#[test]
fn ratchet_ref_olm_and_vodozemac_exchange_the_same_bytes() {
    let profile = Profile::olm();

    // ratchet-ref Alice, vodozemac Bob: Bob's inbound session from ratchet-ref's pre-key
    // message bytes.
    let (mut bob_account, bob_identity, bob_one_time) = vodozemac_bob();
    let alice_identity = generate_dh_from_bytes([0x51; 32]);
    let mut alice = outbound_session(
        profile,
        &alice_identity,
        &ours(bob_identity),
        &ours(bob_one_time),
        Box::new(OsKeySource),
    )
    .unwrap()
    .session;
    let (kind, first) = alice.encrypt_typed(b"hello bob", &[]).unwrap();
    assert_eq!(kind, MessageKind::PreKey);
    let first = OlmMessage::from_parts(PRE_KEY, &first).unwrap();
    let OlmMessage::PreKey(first) = first else {
        panic!("decoded as a pre-key message");
    };
    let inbound = bob_account
        .create_inbound_session(
            SessionConfig::version_1(),
            key(alice_identity.public.0),
            &first,
        )
        .unwrap();
    assert_eq!(inbound.plaintext, b"hello bob");
    let mut bob = inbound.session;
    converse(&mut alice, &mut bob, false);

    // vodozemac Alice, ratchet-ref Bob: Bob's inbound session from vodozemac's bytes.
    let bob_identity = generate_dh_from_bytes([0x61; 32]);
    let bob_one_time = generate_dh_from_bytes([0x62; 32]);
    let mut alice = Account::new()
        .create_outbound_session(
            SessionConfig::version_1(),
            key(bob_identity.public.0),
            key(bob_one_time.public.0),
        )
        .unwrap();
    let (message_type, first) = alice.encrypt(b"hello bob").unwrap().to_parts();
    assert_eq!(message_type, PRE_KEY);
    let (mut bob, hello) = inbound_session(
        profile,
        &bob_identity,
        &bob_one_time,
        &first,
        Box::new(OsKeySource),
    )
    .unwrap();
    assert_eq!(hello, b"hello bob");
    converse(&mut bob, &mut alice, true);
}

/// Messages both ways between a ratchet-ref olm session and a vodozemac session, each as
/// the benches send them; `reference_first` when the reference speaks first.
fn converse(reference: &mut RefSession, peer: &mut Session, reference_first: bool) {
    for (in_a_row, pt) in plaintexts() {
        for turn in [reference_first, !reference_first] {
            for _ in 0..in_a_row {
                if turn {
                    let bytes = reference.encrypt(&pt, &[]).unwrap();
                    assert_vodozemac_reads_the_same_message(&bytes);
                    assert_eq!(vodozemac_receive(peer, &bytes), pt);
                } else {
                    let bytes = vodozemac_send(peer, &pt);
                    assert_vodozemac_reads_the_same_message(&bytes);
                    assert_eq!(reference.decrypt(&bytes, &[]).unwrap(), pt);
                }
            }
        }
    }
}
