//! The `StrictSignature` x3dh vectors must be ones a lax Ed25519 verifier accepts, or they
//! would catch nothing: each is checked here against a lax verifier written from RFC 8032
//! §5.1.7 without its strict parts (S reduced mod L, any point encoding that decompresses,
//! the cofactored equation [8][S]B = [8]R + [8][k]A, small-order points allowed), read from
//! the committed file rather than through the generator.

use std::path::PathBuf;

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};

/// RFC 8032 verification with none of the strict checks.
fn lax_verify(public: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(a), Ok(r), Some(s)) = (
        <[u8; 32]>::try_from(public),
        <[u8; 32]>::try_from(&signature[..32]),
        signature.get(32..64),
    ) else {
        return false;
    };
    let (Some(a_point), Some(r_point)) = (
        CompressedEdwardsY(a).decompress(),
        CompressedEdwardsY(r).decompress(),
    ) else {
        return false;
    };
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(s);
    let s = Scalar::from_bytes_mod_order(s_bytes);
    let mut hasher = Sha512::new();
    hasher.update(r);
    hasher.update(a);
    hasher.update(message);
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&hasher.finalize());
    let k = Scalar::from_bytes_mod_order_wide(&wide);
    (EdwardsPoint::mul_base(&s) - r_point - k * a_point)
        .mul_by_cofactor()
        .is_identity()
}

fn x3dh_tests() -> Vec<serde_json::Value> {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/spec/x3dh.json"
    ));
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap().clone())
        .collect()
}

fn bytes(test: &serde_json::Value, field: &str) -> Vec<u8> {
    hex::decode(test[field].as_str().unwrap()).unwrap()
}

/// Encode(SPK) as the file's header states it: 0x05 ‖ key.
fn signed_message(test: &serde_json::Value) -> Vec<u8> {
    [&[0x05u8][..], &bytes(test, "signedPrekey")].concat()
}

#[test]
fn every_strict_signature_vector_passes_a_lax_verifier_and_is_refused() {
    let tests = x3dh_tests();
    let strict: Vec<&serde_json::Value> = tests
        .iter()
        .filter(|t| {
            t["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "StrictSignature")
        })
        .collect();
    assert!(
        strict.len() >= 10,
        "only {} strict-signature vectors",
        strict.len()
    );
    for test in strict {
        let id = &test["tcId"];
        assert!(
            lax_verify(
                &bytes(test, "bobIdentityKey"),
                &signed_message(test),
                &bytes(test, "signature")
            ),
            "tcId {id}: a lax verifier refuses it too, so it tells nothing apart"
        );
        assert_eq!(test["result"], "invalid", "tcId {id}");
        assert_eq!(test["error"], "invalid_signature", "tcId {id}");
    }
}

#[test]
fn the_lax_verifier_accepts_genuine_signatures_and_refuses_flipped_ones() {
    let tests = x3dh_tests();
    let genuine = tests.iter().find(|t| t["result"] == "valid").unwrap();
    let (key, message) = (bytes(genuine, "bobIdentityKey"), signed_message(genuine));
    let signature = bytes(genuine, "signature");
    assert!(lax_verify(&key, &message, &signature));
    for at in [3, 40, 63] {
        let mut flipped = signature.clone();
        flipped[at] ^= 0x04;
        assert!(!lax_verify(&key, &message, &flipped), "bit flipped at {at}");
    }
}
