//! The `signal-v3` profile against a real implementation's output: python-axolotl 0.2.3 (a
//! port of libsignal-protocol-java), driven with these keys by
//! `harness/adapters/python-axolotl/selftest.py`, wrote the signed-prekey signature and the
//! messages below. The reference must write the same bytes and read them.

use ratchet_ref::primitives::generate_dh_from_bytes;
use ratchet_ref::primitives::DhKeyPair;
use ratchet_ref::session::MessageKind;
use ratchet_ref::signal::agreement::{sign_prekey, SignalBundle};
use ratchet_ref::signal::handshake::{inbound_session, outbound_session, ResponderKeys};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource};
use sha2::{Digest, Sha256, Sha512};

const PREFIX: &[u8] = b"ratchet-conformance signal-v3 ";

fn private(label: &str) -> [u8; 32] {
    Sha256::digest([PREFIX, label.as_bytes()].concat()).into()
}

fn pair(label: &str) -> DhKeyPair {
    generate_dh_from_bytes(private(label))
}

fn keys(labels: &[&str]) -> Box<QueuedKeySource> {
    let mut queue = QueuedKeySource::new();
    for label in labels {
        queue.push(private(label));
    }
    Box::new(queue)
}

const SPK_SIGNATURE: &str = "a845c2413b6f4577589a49289787e634ceee726027156ffa6d473b9a52df7de53353c34d73f9d18ccb063aac2f168c2ca8fd1f8b1d7dffd4880bcde892c58105";
const M0: &str = "330809122105c3eeae7ec9543bf7659f3d39ebcb62c995c7affc50354e61cc295f46fba1da3d1a210580de8b2416f941e104bf63e0b4104240eae6499a9cf6d39e8ce77f011f6238642242330a2105d7fc686a9d475f04103ffa70db544382755d4fc5fa4c9260b2ebf94eb9186123100018002210a6a185ab3069a949306dd8f14368e26b3c214cb9a6eac14e28d7083007";
const M1: &str = "330809122105c3eeae7ec9543bf7659f3d39ebcb62c995c7affc50354e61cc295f46fba1da3d1a210580de8b2416f941e104bf63e0b4104240eae6499a9cf6d39e8ce77f011f6238642242330a2105d7fc686a9d475f04103ffa70db544382755d4fc5fa4c9260b2ebf94eb9186123100118002210b90a2edc331235a0d3996a9b2028b8529807acdcebfbd3b128d7083007";
const R0: &str = "330a21059b558740f659a8ec6eb1061e907fa8dc1f066072c2a7ea704c6e40cebe75a023100018002210dd2e6dd97a6702e1a2672379daa540de1829bd380f55b6eb";

fn z() -> [u8; 64] {
    Sha512::digest([PREFIX, b"spk-signature"].concat()).into()
}

fn bundle(profile: &Profile) -> SignalBundle {
    let bob_identity = pair("bob-identity");
    let spk = pair("bob-signed-prekey");
    SignalBundle {
        registration_id: 2222,
        identity_key: bob_identity.public,
        signed_pre_key_id: 7,
        signed_pre_key: spk.public,
        signature: sign_prekey(profile, &bob_identity.private, &spk.public, &z()).to_vec(),
        pre_key: Some((9, pair("bob-one-time-prekey").public)),
    }
}

#[test]
fn signed_prekey_signature_is_python_axolotls() {
    let profile = Profile::signal_v3();
    assert_eq!(hex::encode(bundle(&profile).signature), SPK_SIGNATURE);
}

#[test]
fn a_conversation_is_python_axolotls_byte_for_byte() {
    let profile = Profile::signal_v3();
    let alice_identity = pair("alice-identity");
    let mut alice = outbound_session(
        profile,
        &alice_identity,
        1111,
        &bundle(&profile),
        keys(&["alice-base", "alice-ratchet-1"]),
    )
    .unwrap();
    assert_eq!(alice.base_key, pair("alice-base").public);
    let (kind, m0) = alice.session.encrypt(b"m0").unwrap();
    assert_eq!(kind, MessageKind::PreKey);
    assert_eq!(hex::encode(&m0), M0);
    let (_, m1) = alice.session.encrypt(b"m1").unwrap();
    assert_eq!(hex::encode(&m1), M1);

    let bob_identity = pair("bob-identity");
    let spk = pair("bob-signed-prekey");
    let opk = pair("bob-one-time-prekey");
    let own = ResponderKeys {
        identity: &bob_identity,
        signed_pre_key: (7, &spk),
        pre_key: Some((9, &opk)),
    };
    let (mut bob, first) = inbound_session(profile, &own, &m1, keys(&["bob-ratchet-1"])).unwrap();
    assert_eq!(first, b"m1");
    assert_eq!(bob.decrypt(MessageKind::PreKey, &m0).unwrap(), b"m0");
    assert_eq!(
        bob.decrypt(MessageKind::PreKey, &m0).unwrap_err().kind(),
        ErrorKind::Duplicate
    );
    let (kind, r0) = bob.encrypt(b"r0").unwrap();
    assert_eq!(kind, MessageKind::Normal);
    assert_eq!(hex::encode(&r0), R0);

    alice.session.set_key_source(keys(&["alice-ratchet-2"]));
    assert_eq!(
        alice.session.decrypt(MessageKind::Normal, &r0).unwrap(),
        b"r0"
    );
    assert_eq!(alice.session.next_message_kind(), MessageKind::Normal);
}

#[test]
fn the_bundle_signature_is_checked_before_any_key_is_drawn() {
    let profile = Profile::signal_v3();
    let mut bad = bundle(&profile);
    bad.signature[40] ^= 1;
    let refused = outbound_session(profile, &pair("alice-identity"), 1111, &bad, keys(&[]));
    assert_eq!(refused.unwrap_err().kind(), ErrorKind::InvalidSignature);
}
