//! Two published implementations as [`Party`] types (the message scenarios are in
//! `conversation.rs`), through their documented public APIs:
//!
//! * `vodozemac` (Matrix's Olm): `Account::create_outbound_session` /
//!   `create_inbound_session` with `SessionConfig::version_1()`, then `Session::encrypt` and
//!   `Session::decrypt`. As `peer-vodozemac/…`, messages stay `OlmMessage` values (no base64
//!   or byte encoding); as `peer-vodozemac-wire/…`, they travel as bytes
//!   (`OlmMessage::to_parts` after encrypting, `OlmMessage::from_parts` before decrypting),
//!   the same wire format as ratchet-ref's `olm` messages (`ratchet-olm/…`), so both sides pay
//!   encoding and decoding.
//! * `double-ratchet` with the Signal crypto provider of `double-ratchet-signal`:
//!   `DoubleRatchet::new_alice` / `new_bob`, `ratchet_encrypt` and `ratchet_decrypt`, with
//!   the header passed as a value.
//!
//! Both sessions are set up so that Alice's messages are ordinary (not pre-key) messages.

use double_ratchet::{Header, KeyPair as _};
use double_ratchet_signal::signal::{KeyPair, PublicKey, SignalDR, SymmetricKey};
use vodozemac::olm::{Account, OlmMessage, Session, SessionConfig};

use crate::conversation::Party;
use crate::AD;

/// An established Olm session pair: Bob has answered once, so both send normal messages.
fn vodozemac_sessions() -> (Session, Session) {
    let alice = Account::new();
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let one_time_key = *bob
        .one_time_keys()
        .values()
        .next()
        .expect("one key generated");
    let mut alice_session = alice
        .create_outbound_session(
            SessionConfig::version_1(),
            bob.curve25519_key(),
            one_time_key,
        )
        .expect("outbound session");
    bob.mark_keys_as_published();
    let OlmMessage::PreKey(first) = alice_session.encrypt(b"hello").expect("encrypts") else {
        panic!("the first message of an outbound session is a pre-key message");
    };
    let inbound = bob
        .create_inbound_session(SessionConfig::version_1(), alice.curve25519_key(), &first)
        .expect("inbound session");
    let mut bob_session = inbound.session;
    let reply = bob_session.encrypt(b"hi").expect("encrypts");
    alice_session.decrypt(&reply).expect("decrypts");
    (alice_session, bob_session)
}

/// vodozemac's Olm session (`peer-vodozemac/…`).
pub type Olm = Session;

/// vodozemac's Olm session on the wire (`peer-vodozemac-wire/…`): messages as bytes.
pub struct OlmWire(Session);

impl Party for Olm {
    const GROUP: &'static str = "peer-vodozemac";
    type Message = OlmMessage;

    fn pair() -> (Olm, Olm) {
        vodozemac_sessions()
    }

    /// `Session::encrypt`; Olm has no associated data.
    fn send(&mut self, pt: &[u8]) -> OlmMessage {
        self.encrypt(pt).expect("encrypts")
    }

    fn receive(&mut self, message: &OlmMessage) -> Vec<u8> {
        self.decrypt(message).expect("decrypts")
    }
}

/// vodozemac's normal message type in `OlmMessage::to_parts` (0 is a pre-key message).
const NORMAL: usize = 1;

impl Party for OlmWire {
    const GROUP: &'static str = "peer-vodozemac-wire";
    /// The message type and the message's bytes, as `to_parts` gives them.
    type Message = (usize, Vec<u8>);

    /// As `ratchet-olm`'s pair: established (Bob has answered), then one more message from
    /// Alice, so her sending chain exists and Bob receives on it.
    fn pair() -> (OlmWire, OlmWire) {
        let (mut alice, mut bob) = vodozemac_sessions();
        let settle = alice.encrypt(b"settle").expect("encrypts");
        bob.decrypt(&settle).expect("decrypts");
        (OlmWire(alice), OlmWire(bob))
    }

    /// `Session::encrypt`, then the message's byte encoding.
    fn send(&mut self, pt: &[u8]) -> (usize, Vec<u8>) {
        let parts = self.0.encrypt(pt).expect("encrypts").to_parts();
        debug_assert_eq!(parts.0, NORMAL);
        parts
    }

    /// Decoding from bytes, then `Session::decrypt`.
    fn receive(&mut self, (message_type, bytes): &(usize, Vec<u8>)) -> Vec<u8> {
        let message = OlmMessage::from_parts(*message_type, bytes).expect("decodes");
        self.0.decrypt(&message).expect("decrypts")
    }
}

/// One party of double-ratchet with the Signal provider (`peer-double-ratchet/…`), with the
/// OS random number generator its encryption takes.
pub struct DoubleRatchet {
    ratchet: SignalDR,
    rng: rand_os::OsRng,
}

fn os_rng() -> rand_os::OsRng {
    rand_os::OsRng::new().expect("OS randomness")
}

impl Party for DoubleRatchet {
    const GROUP: &'static str = "peer-double-ratchet";
    type Message = (Header<PublicKey>, Vec<u8>);

    /// A pair from a fixed shared secret, Bob's key pair standing for his signed prekey.
    fn pair() -> (DoubleRatchet, DoubleRatchet) {
        let mut rng = os_rng();
        let bob_pair = KeyPair::new(&mut rng);
        let bob_public = bob_pair.public().clone();
        let sk = SymmetricKey::from([0x5c; 32]);
        let alice = SignalDR::new_alice(&sk, bob_public, None, &mut rng);
        let bob = SignalDR::new_bob(sk, bob_pair, None);
        (
            DoubleRatchet {
                ratchet: alice,
                rng,
            },
            DoubleRatchet {
                ratchet: bob,
                rng: os_rng(),
            },
        )
    }

    /// `ratchet_encrypt`: the header and the ciphertext.
    fn send(&mut self, pt: &[u8]) -> Self::Message {
        self.ratchet.ratchet_encrypt(pt, &AD, &mut self.rng)
    }

    /// `ratchet_decrypt`, the header passed as a value.
    fn receive(&mut self, (header, ciphertext): &Self::Message) -> Vec<u8> {
        self.ratchet
            .ratchet_decrypt(header, ciphertext, &AD)
            .expect("decrypts")
    }
}
