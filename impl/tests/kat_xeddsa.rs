//! XEdDSA anchored to published answers before anything is built on it: libsignal's own test
//! signature (libsignal `rust/core/src/curve/curve25519.rs`, `test_signature`: Alice's
//! identity key pair, her ephemeral key 05 ‖ u as the message, and the signature) with its
//! bit-flip negatives (every byte's low bit flipped must fail), and its test agreement pair.

use ratchet_ref::primitives::xeddsa::{edwards_sign_bit, Xeddsa};
use ratchet_ref::primitives::{dh, generate_dh_from_bytes, DhPublicKey};
use ratchet_ref::Profile;

fn bytes<const N: usize>(text: &str) -> [u8; N] {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).unwrap();
    out
}

const ALICE_IDENTITY_PRIVATE: &str =
    "c097248412e58bf05df487968205132794178e367637f5818f81e0e6ce73e865";
const ALICE_IDENTITY_PUBLIC: &str =
    "ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64";
const ALICE_EPHEMERAL_PUBLIC: &str =
    "05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a";
const ALICE_SIGNATURE: &str = "5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfbede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88";

#[test]
fn libsignal_test_key_pair_is_x25519_of_its_private_key() {
    let pair = generate_dh_from_bytes(bytes(ALICE_IDENTITY_PRIVATE));
    assert_eq!(pair.public.0, bytes::<32>(ALICE_IDENTITY_PUBLIC));
}

#[test]
fn libsignal_test_agreement() {
    // libsignal's test_agreement: both sides compute the published shared secret.
    let alice = generate_dh_from_bytes(bytes(
        "c806439dc9d2c476ffed8f2580c0888d58ab406bf7ae3698879021b96bb4bf59",
    ));
    let bob = generate_dh_from_bytes(bytes(
        "b03b34c33a1c44f225b662d2bf4859b8135411fa7b0386d45fb75dc5b91b4466",
    ));
    assert_eq!(
        alice.public.0,
        bytes::<32>("1bb75966f2e93a3691dfff942bb2a466a1c08b8d78ca3f4d6df8b8bfa2e4ee28")
    );
    assert_eq!(
        bob.public.0,
        bytes::<32>("653614993d2b15ee9e5fd3d86ce719ef4ec1daae1886a87b3f5fa9565a27a22f")
    );
    let shared = bytes::<32>("325f239328941ced6e673b86ba41017448e99b649a9c3806c1dd7ca4c477e629");
    let profile = Profile::signal_v3();
    assert_eq!(
        dh(&profile, &alice.private, &DhPublicKey(bob.public.0))
            .unwrap()
            .expose(),
        &shared
    );
    assert_eq!(
        dh(&profile, &bob.private, &DhPublicKey(alice.public.0))
            .unwrap()
            .expose(),
        &shared
    );
}

#[test]
fn libsignal_test_signature_verifies_under_libsignal_rules() {
    let public = bytes::<32>(ALICE_IDENTITY_PUBLIC);
    let message = bytes::<33>(ALICE_EPHEMERAL_PUBLIC);
    let signature = bytes::<64>(ALICE_SIGNATURE);
    assert!(Xeddsa::Libsignal.verify(&public, &message, &signature));
}

#[test]
fn every_bit_flip_of_the_libsignal_test_signature_fails() {
    let public = bytes::<32>(ALICE_IDENTITY_PUBLIC);
    let message = bytes::<33>(ALICE_EPHEMERAL_PUBLIC);
    let signature = bytes::<64>(ALICE_SIGNATURE);
    for i in 0..64 {
        let mut flipped = signature;
        flipped[i] ^= 0x01;
        assert!(
            !Xeddsa::Libsignal.verify(&public, &message, &flipped),
            "byte {i} flipped still verifies"
        );
    }
}

#[test]
fn libsignal_test_signature_fails_the_papers_verifier() {
    // Its last byte has bit 7 set: libsignal's sign bit, which the paper reads as s ≥ 2^253.
    let signature = bytes::<64>(ALICE_SIGNATURE);
    assert_eq!(signature[63] & 0x80, 0x80);
    assert_eq!(edwards_sign_bit(&bytes(ALICE_IDENTITY_PRIVATE)), 1);
    assert!(!Xeddsa::Paper.verify(
        &bytes(ALICE_IDENTITY_PUBLIC),
        &bytes::<33>(ALICE_EPHEMERAL_PUBLIC),
        &signature
    ));
}

#[test]
fn our_signatures_by_the_test_key_verify_in_both_directions_as_libsignal_says() {
    let private = bytes::<32>(ALICE_IDENTITY_PRIVATE);
    let public = bytes::<32>(ALICE_IDENTITY_PUBLIC);
    let message = bytes::<33>(ALICE_EPHEMERAL_PUBLIC);
    let random = [0x5a; 64];
    let libsignal = Xeddsa::Libsignal.sign(&private, &message, &random);
    let paper = Xeddsa::Paper.sign(&private, &message, &random);
    assert_ne!(libsignal, paper);
    assert!(Xeddsa::Libsignal.verify(&public, &message, &libsignal));
    assert!(Xeddsa::Libsignal.verify(&public, &message, &paper));
    assert!(Xeddsa::Paper.verify(&public, &message, &paper));
    // Sign bit 1: libsignal's own signature fails the paper's verifier.
    assert!(!Xeddsa::Paper.verify(&public, &message, &libsignal));
}

#[test]
fn wrong_length_signatures_fail() {
    let public = bytes::<32>(ALICE_IDENTITY_PUBLIC);
    let message = bytes::<33>(ALICE_EPHEMERAL_PUBLIC);
    let signature = bytes::<64>(ALICE_SIGNATURE);
    for variant in [Xeddsa::Libsignal, Xeddsa::Paper] {
        assert!(!variant.verify(&public, &message, &signature[..63]));
        assert!(!variant.verify(&public, &message, &[signature.as_slice(), &[0]].concat()));
    }
}
