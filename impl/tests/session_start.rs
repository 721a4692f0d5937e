//! Each family starts its sessions one way: the constructors of the other way refuse its
//! profile (`invalid_state`, naming both), so a caller cannot build an Olm session that
//! performs the spec's DH step at init, or a spec session with no DH step.

use ratchet_ref::primitives::{generate_dh_from_bytes, ChainKey, RootKey};
use ratchet_ref::{ErrorKind, Profile, SeededKeySource, Session};

fn keys() -> Box<SeededKeySource> {
    Box::new(SeededKeySource::from_u64(3))
}

#[test]
fn the_dh_step_at_init_constructor_refuses_an_olm_profile() {
    let bob = generate_dh_from_bytes([0x0b; 32]);
    let err = Session::init_alice(
        Profile::olm(),
        RootKey::from_bytes([1; 32]),
        bob.public,
        keys(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert!(err.reason().contains("olm"), "{err}");
    assert!(Session::init_alice(
        Profile::spec(),
        RootKey::from_bytes([1; 32]),
        bob.public,
        keys()
    )
    .is_ok());
}

#[test]
fn the_first_chain_constructors_refuse_the_spec_profile() {
    let alice = generate_dh_from_bytes([0x0a; 32]);
    let err = Session::init_alice_on_first_chain(
        Profile::spec(),
        RootKey::from_bytes([1; 32]),
        ChainKey::from_bytes([2; 32]),
        None,
        keys(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert!(err.reason().contains("spec"), "{err}");
    let err = Session::init_bob_on_first_chain(
        Profile::spec(),
        RootKey::from_bytes([1; 32]),
        ChainKey::from_bytes([2; 32]),
        alice.public,
        keys(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    let profile = Profile::olm();
    assert!(Session::init_alice_on_first_chain(
        profile,
        RootKey::from_bytes([1; 32]),
        ChainKey::from_bytes([2; 32]),
        None,
        keys(),
    )
    .is_ok());
    assert!(Session::init_bob_on_first_chain(
        profile,
        RootKey::from_bytes([1; 32]),
        ChainKey::from_bytes([2; 32]),
        alice.public,
        keys(),
    )
    .is_ok());
}
