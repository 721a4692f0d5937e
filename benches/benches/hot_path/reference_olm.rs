//! ratchet-ref with the `olm` profile (`ratchet-olm/…`), through its public API: Olm's
//! handshake (`triple_dh::outbound_session` / `inbound_session`), then `Session::encrypt` and
//! `Session::decrypt` on the wire bytes, with the empty associated data Olm has.

use ratchet_ref::primitives::generate_dh;
use ratchet_ref::session::MessageKind;
use ratchet_ref::triple_dh::{inbound_session, outbound_session};
use ratchet_ref::{OsKeySource, Profile, Session};

use crate::conversation::Party;

/// Olm has no associated data: ratchet-ref's olm format authenticates version ‖ payload only.
const NO_AD: &[u8] = &[];

/// A ratchet-ref session with the `olm` profile.
pub struct OlmSession(pub Session);

/// An established Olm pair, set up as `peer-vodozemac-wire`'s: the triple DH (identity and
/// one-time keys from the OS), Alice's pre-key message, Bob's inbound session and one reply
/// (so Alice sends normal messages), then one more message from Alice (so her sending
/// chain exists and Bob receives on it: no timed message starts a chain, except in
/// `alternating`, where every one does).
pub fn olm_sessions() -> (Session, Session) {
    let profile = Profile::olm();
    let mut os = OsKeySource;
    let alice_identity = generate_dh(&mut os).expect("OS randomness");
    let bob_identity = generate_dh(&mut os).expect("OS randomness");
    let bob_one_time = generate_dh(&mut os).expect("OS randomness");
    let mut alice = outbound_session(
        profile,
        &alice_identity,
        &bob_identity.public,
        &bob_one_time.public,
        Box::new(OsKeySource),
    )
    .expect("outbound session")
    .session;
    let (kind, first) = alice.encrypt_typed(b"hello", NO_AD).expect("encrypts");
    assert_eq!(kind, MessageKind::PreKey);
    let (mut bob, _) = inbound_session(
        profile,
        &bob_identity,
        &bob_one_time,
        &first,
        Box::new(OsKeySource),
    )
    .expect("inbound session");
    let reply = bob.encrypt(b"hi", NO_AD).expect("encrypts");
    alice.decrypt(&reply, NO_AD).expect("decrypts");
    let settle = alice.encrypt(b"settle", NO_AD).expect("encrypts");
    bob.decrypt(&settle, NO_AD).expect("decrypts");
    assert_eq!(alice.next_message_kind(), MessageKind::Normal);
    (alice, bob)
}

impl Party for OlmSession {
    const GROUP: &'static str = "ratchet-olm";
    type Message = Vec<u8>;

    fn pair() -> (OlmSession, OlmSession) {
        let (alice, bob) = olm_sessions();
        (OlmSession(alice), OlmSession(bob))
    }

    /// `Session::encrypt`: a normal Olm message, as bytes.
    fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        self.0.encrypt(pt, NO_AD).expect("encrypts")
    }

    /// `Session::decrypt` of a normal Olm message's bytes.
    fn receive(&mut self, message: &Vec<u8>) -> Vec<u8> {
        self.0.decrypt(message, NO_AD).expect("decrypts")
    }
}
