//! Shared set-up for session tests: two parties from fixed keys, with seeded key sources.
#![allow(dead_code)]

use ratchet_ref::primitives::{generate_dh_from_bytes, RootKey};
use ratchet_ref::{ErrorKind, Profile, SeededKeySource, Session};

pub const AD: &[u8] = b"associated data from X3DH";

/// Alice and Bob sharing SK, with deterministic future ratchet keys.
pub fn pair(profile: Profile) -> (Session, Session) {
    let sk = [0x42u8; 32];
    let bob_spk = generate_dh_from_bytes([0x0b; 32]);
    let alice = Session::init_alice(
        profile,
        RootKey::from_bytes(sk),
        bob_spk.public,
        Box::new(SeededKeySource::from_u64(1)),
    )
    .unwrap();
    let bob = Session::init_bob(
        profile,
        RootKey::from_bytes(sk),
        bob_spk,
        Box::new(SeededKeySource::from_u64(2)),
    );
    (alice, bob)
}

/// A profile with small skip limits so boundaries are cheap to reach.
pub fn small_limits(max_skip: u32, max_stored_keys: usize) -> Profile {
    let mut profile = Profile::spec();
    profile.limits.max_skip = max_skip;
    profile.limits.max_stored_keys = max_stored_keys;
    profile
}

/// Sends `count` messages whose plaintexts are their numbers.
pub fn send(from: &mut Session, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| from.encrypt(format!("msg {i}").as_bytes(), AD).unwrap())
        .collect()
}

/// Decrypts and checks the plaintext.
pub fn receive(to: &mut Session, message: &[u8], expected: &str) {
    let plain = to.decrypt(message, AD).unwrap();
    assert_eq!(plain, expected.as_bytes());
}

/// Asserts decrypting fails with `kind` and leaves the state exactly as it was.
pub fn rejected(to: &mut Session, message: &[u8], ad: &[u8], kind: ErrorKind) {
    let before = to.snapshot();
    let err = to.decrypt(message, ad).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!(
        to.snapshot(),
        before,
        "a failed decrypt changed the session"
    );
}
