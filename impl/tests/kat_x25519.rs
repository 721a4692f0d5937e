//! RFC 7748 sections 5.2 and 6.1 (X25519), against GENERATE_DH and DH.

use ratchet_ref::primitives::{dh, generate_dh_from_bytes, DhPrivateKey, DhPublicKey};
use ratchet_ref::{ErrorKind, Profile};

fn a32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn x25519(scalar: [u8; 32], u: [u8; 32]) -> [u8; 32] {
    *dh(
        &Profile::spec(),
        &DhPrivateKey::from_bytes(scalar),
        &DhPublicKey(u),
    )
    .unwrap()
    .expose()
}

#[test]
fn rfc7748_5_2_vector1() {
    assert_eq!(
        x25519(
            a32("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
            a32("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
        ),
        a32("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    );
}

#[test]
fn rfc7748_5_2_vector2_high_bit_of_u_is_masked() {
    assert_eq!(
        x25519(
            a32("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
            a32("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"),
        ),
        a32("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
    );
}

#[test]
fn rfc7748_5_2_iterated_1_and_1000() {
    let mut k = a32("0900000000000000000000000000000000000000000000000000000000000000");
    let mut u = k;
    for i in 1..=1000 {
        let next = x25519(k, u);
        u = k;
        k = next;
        if i == 1 {
            assert_eq!(
                k,
                a32("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
            );
        }
    }
    assert_eq!(
        k,
        a32("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
    );
}

#[test]
fn rfc7748_6_1_key_agreement() {
    let alice = generate_dh_from_bytes(a32(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
    ));
    let bob = generate_dh_from_bytes(a32(
        "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
    ));
    assert_eq!(
        alice.public.0,
        a32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    );
    assert_eq!(
        bob.public.0,
        a32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    );
    let shared = a32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    let profile = Profile::spec();
    assert_eq!(
        *dh(&profile, &alice.private, &bob.public).unwrap().expose(),
        shared
    );
    assert_eq!(
        *dh(&profile, &bob.private, &alice.public).unwrap().expose(),
        shared
    );
}

#[test]
fn small_order_public_keys_are_rejected_as_invalid_key() {
    // u = 0 and u = 1 are points of small order (RFC 7748 section 6.1: the all-zero output
    // check); the spec profile rejects them.
    let alice = generate_dh_from_bytes(a32(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
    ));
    let mut one = [0u8; 32];
    one[0] = 1;
    for u in [[0u8; 32], one] {
        let err = dh(&Profile::spec(), &alice.private, &DhPublicKey(u)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidKey);
    }
}
