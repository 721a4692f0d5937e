//! The `olm` profile against a real implementation's output: libolm 3.2.16 (PyPI python-olm
//! 3.2.16, driven by harness/adapters/python-olm with these injected private keys) wrote the
//! three messages below. The reference, given the same keys, must write the same bytes and
//! read libolm's.

use ratchet_ref::primitives::generate_dh_from_bytes;
use ratchet_ref::session::MessageKind;
use ratchet_ref::triple_dh::{inbound_session, outbound_session};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource};

const I_A: [u8; 32] = [0x11; 32];
const I_B: [u8; 32] = [0x22; 32];
const E_B: [u8; 32] = [0x33; 32];
const E_A: [u8; 32] = [0x44; 32];
const T0: [u8; 32] = [0x55; 32];
const T1: [u8; 32] = [0x66; 32];
const T2: [u8; 32] = [0x77; 32];

/// Alice's first pre-key message, plaintext "hello bob".
const LIBOLM_M0: &str = "030a207b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b141220ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1fff3e6b1a207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13223f030a2038ab664bd86f77d7e66bdd9ae0792913a94fd8b33a1260027e4b46c1f4884c671000221092f2e773acb5e2c1b8f30f5361f046856dd7f2707526c51c";
/// Bob's reply under T1, plaintext "hi alice".
const LIBOLM_R1: &str = "030a20219e4d800da968d2a5fcb009c784f4746c7138edb9ee4844b739e830b05cf424100022105e1371139fc5fc5c9855fd40d8a1128516754d1cfaf59e4b";
/// Alice's next message under T2 (a new chain after Bob's reply), empty plaintext.
const LIBOLM_M2: &str = "030a201cf579aba45a10ba1d1ef06d91fca2aa9ed0a1150515653155405d0b18cb9a6710002210b14217efe62740befd071b02bd0859f39724c83ed942a319";

fn queue(keys: &[[u8; 32]]) -> Box<QueuedKeySource> {
    let mut queue = QueuedKeySource::new();
    for key in keys {
        queue.push(*key);
    }
    Box::new(queue)
}

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
