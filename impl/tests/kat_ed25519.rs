//! RFC 8032 section 7.1 (Ed25519) tests 1, 2, 3 and SHA(abc), against identity keys.

use ratchet_ref::primitives::{IdentityKeyPair, IdentityPublicKey};
use ratchet_ref::ErrorKind;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn case(secret: &str, public: &str, message: &[u8], signature: &str) {
    let pair = IdentityKeyPair::from_seed(h(secret).try_into().unwrap());
    assert_eq!(pair.public().0.to_vec(), h(public), "public key");
    let sig = pair.sign(message);
    assert_eq!(sig.to_vec(), h(signature), "signature");
    pair.public().verify(message, &sig).unwrap();
    let mut bad = sig;
    bad[0] ^= 1;
    assert_eq!(
        pair.public().verify(message, &bad).unwrap_err().kind(),
        ErrorKind::InvalidSignature
    );
}

#[test]
fn rfc8032_test1_empty_message() {
    case(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        b"",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
}

#[test]
fn rfc8032_test2_one_byte() {
    case(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        &h("72"),
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    );
}

#[test]
fn rfc8032_test3_two_bytes() {
    case(
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        &h("af82"),
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    );
}

#[test]
fn rfc8032_test_sha_abc() {
    case(
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        &h("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    );
}

#[test]
fn wrong_length_signature_and_undecodable_key_are_typed_errors() {
    let pair = IdentityKeyPair::from_seed([7; 32]);
    assert_eq!(
        pair.public().verify(b"m", &[0u8; 63]).unwrap_err().kind(),
        ErrorKind::InvalidSignature
    );
    // y = 2 is not the y-coordinate of any point on the curve.
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert_eq!(
        IdentityPublicKey(not_a_point)
            .verify(b"m", &[0u8; 64])
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidKey
    );
    assert_eq!(
        IdentityPublicKey::from_slice(&[0u8; 31])
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidKey
    );
}

#[test]
fn identity_dh_key_is_the_montgomery_form_of_the_ed25519_key() {
    // The X25519 public key derived from the private scalar must equal the birational map of
    // the Ed25519 public key: both roads to the DH key agree.
    let pair = IdentityKeyPair::from_seed(
        h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .try_into()
            .unwrap(),
    );
    let from_private = ratchet_ref::primitives::generate_dh_from_bytes(*pair.dh_private().expose());
    assert_eq!(from_private.public, pair.dh_public());
    assert_eq!(pair.public().to_x25519().unwrap(), pair.dh_public());
}
