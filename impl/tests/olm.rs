//! The `olm` profile against a real implementation's output: libolm 3.2.16 (PyPI python-olm
//! 3.2.16, driven by harness/adapters/python-olm with these injected private keys) wrote the
//! three messages below. The reference, given the same keys, must write the same bytes and
//! read libolm's.

#[path = "common/libolm.rs"]
mod libolm;

use libolm::*;

use ratchet_ref::primitives::generate_dh_from_bytes;
use ratchet_ref::session::MessageKind;
use ratchet_ref::triple_dh::{inbound_session, outbound_session};
use ratchet_ref::{ErrorKind, Profile};

#[test]
fn reference_writes_libolm_bytes_in_both_roles() {
    let profile = Profile::olm();
    let bob_identity = generate_dh_from_bytes(I_B);
    let bob_one_time = generate_dh_from_bytes(E_B);
    let mut alice = outbound_session(
        profile,
        &generate_dh_from_bytes(I_A),
        &bob_identity.public,
        &bob_one_time.public,
        queue(&[E_A, T0, T2]),
    )
    .unwrap();
    let (kind, m0) = alice.session.encrypt_typed(b"hello bob", &[]).unwrap();
    assert_eq!(kind, MessageKind::PreKey);
    assert_eq!(hex::encode(&m0), LIBOLM_M0);

    let (mut bob, plaintext) =
        inbound_session(profile, &bob_identity, &bob_one_time, &m0, queue(&[T1])).unwrap();
    assert_eq!(plaintext, b"hello bob");
    let (kind, r1) = bob.encrypt_typed(b"hi alice", &[]).unwrap();
    assert_eq!(kind, MessageKind::Normal);
    assert_eq!(hex::encode(&r1), LIBOLM_R1);

    assert_eq!(alice.session.decrypt(&r1, &[]).unwrap(), b"hi alice");
    let (kind, m2) = alice.session.encrypt_typed(b"", &[]).unwrap();
    assert_eq!(
        kind,
        MessageKind::Normal,
        "pre-key messages end once Alice has received"
    );
    assert_eq!(hex::encode(&m2), LIBOLM_M2);
    assert_eq!(bob.decrypt(&m2, &[]).unwrap(), b"");
}

#[test]
fn reference_reads_libolm_messages() {
    let profile = Profile::olm();
    let bob_identity = generate_dh_from_bytes(I_B);
    let bob_one_time = generate_dh_from_bytes(E_B);
    let m0 = hex::decode(LIBOLM_M0).unwrap();
    let (mut bob, plaintext) =
        inbound_session(profile, &bob_identity, &bob_one_time, &m0, queue(&[T1])).unwrap();
    assert_eq!(plaintext, b"hello bob");
    // libolm's r1 and m2 depend only on keys Bob's side can check: m2 decrypts after Bob
    // has sent r1 (his new chain) and Alice has stepped to T2.
    bob.encrypt(b"hi alice", &[]).unwrap();
    let m2 = hex::decode(LIBOLM_M2).unwrap();
    assert_eq!(bob.decrypt(&m2, &[]).unwrap(), b"");
    // Replaying it is a duplicate; a flipped MAC bit fails authentication and changes
    // nothing.
    assert_eq!(
        bob.decrypt(&m2, &[]).unwrap_err().kind(),
        ErrorKind::Duplicate
    );
}

#[test]
fn a_flipped_mac_or_version_is_refused_without_changing_the_session() {
    let profile = Profile::olm();
    let bob_identity = generate_dh_from_bytes(I_B);
    let bob_one_time = generate_dh_from_bytes(E_B);
    let m0 = hex::decode(LIBOLM_M0).unwrap();
    let (mut bob, _) =
        inbound_session(profile, &bob_identity, &bob_one_time, &m0, queue(&[T1])).unwrap();
    bob.encrypt(b"hi alice", &[]).unwrap();
    let m2 = hex::decode(LIBOLM_M2).unwrap();
    let before = bob.olm_state();
    let mut flipped = m2.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert_eq!(
        bob.decrypt(&flipped, &[]).unwrap_err().kind(),
        ErrorKind::AuthFailed
    );
    let mut version = m2.clone();
    version[0] = 0x04;
    assert_eq!(
        bob.decrypt(&version, &[]).unwrap_err().kind(),
        ErrorKind::Malformed
    );
    assert_eq!(bob.olm_state(), before);
    assert_eq!(bob.decrypt(&m2, &[]).unwrap(), b"");
}
