//! Secrets never appear in `Debug` output; errors carry stable kind names.

mod common;

use common::{pair, receive, send};
use ratchet_ref::primitives::aead::derive_message_key_material;
use ratchet_ref::primitives::hmac_sha256::HmacSha256;
use ratchet_ref::primitives::{generate_dh_from_bytes, IdentityKeyPair, MessageKey};
use ratchet_ref::secret::Secret32;
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource, SeededKeySource};

#[test]
fn debug_output_never_contains_secret_bytes() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 3);
    receive(&mut bob, &messages[2], "msg 2");
    let snap = bob.snapshot();
    let mut secrets = vec![
        hex::encode(snap.rk.expose()),
        hex::encode(snap.dhs_private().expose()),
    ];
    secrets.extend(snap.ckr.iter().map(|k| hex::encode(k.expose())));
    secrets.extend(snap.mkskipped.iter().map(|e| hex::encode(e.mk.expose())));
    let identity = IdentityKeyPair::from_seed([0x77; 32]);
    secrets.push(hex::encode(identity.seed()));
    let material = derive_message_key_material(&Profile::spec(), &MessageKey::from_bytes([1; 32]));
    secrets.push(hex::encode(material.enc_key));

    let mut queue = QueuedKeySource::new();
    queue.push([0x99; 32]);
    secrets.push(hex::encode([0x99u8; 32]));
    let printed = format!(
        "{bob:?} {snap:?} {identity:?} {material:?} {queue:?} {:?}",
        SeededKeySource::from_u64(5)
    );
    for secret in &secrets {
        assert!(!printed.contains(secret.as_str()), "Debug printed a secret");
    }
    // Byte-array formatting of the secret must not appear either.
    assert!(!printed.contains(&format!("{:?}", snap.rk.expose())));
    assert!(printed.contains("redacted"));
}

#[test]
fn error_kind_names_are_stable_and_round_trip() {
    let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "auth_failed",
            "malformed",
            "too_many_skipped",
            "duplicate",
            "invalid_signature",
            "invalid_key",
            "invalid_state",
            "key_source_exhausted"
        ]
    );
    for kind in ErrorKind::ALL {
        assert_eq!(ErrorKind::from_name(kind.as_str()), Some(kind));
        assert_eq!(
            serde_json::to_string(&kind).unwrap(),
            format!("\"{}\"", kind.as_str())
        );
    }
    assert_eq!(ErrorKind::from_name("nope"), None);
}

#[test]
fn an_error_prints_its_kind_and_its_reason() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let mut message = send(&mut alice, 1).remove(0);
    let last = message.len() - 1;
    message[last] ^= 1;
    let err = bob.decrypt(&message, common::AD).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthFailed);
    assert!(!err.reason().is_empty(), "an error must say what was wrong");
    assert_eq!(err.to_string(), format!("auth_failed: {}", err.reason()));
    for kind in ErrorKind::ALL {
        assert_eq!(kind.to_string(), kind.as_str());
    }
}

#[test]
fn each_secret_type_prints_its_name_and_redacted() {
    let material = derive_message_key_material(&Profile::spec(), &MessageKey::from_bytes([1; 32]));
    assert_eq!(format!("{material:?}"), "MessageKeyMaterial([redacted])");
    assert_eq!(
        format!("{:?}", MessageKey::from_bytes([1; 32])),
        "MessageKey([redacted])"
    );
    assert_eq!(
        format!("{:?}", Secret32::from_bytes([7; 32])),
        "Secret32([redacted])"
    );
    assert_eq!(
        format!("{:?}", HmacSha256::new(&[7; 32])),
        "HmacSha256([redacted])"
    );
    // An identity key pair shows its public key and hides its seed, which it still returns.
    let identity = IdentityKeyPair::from_seed([0x77; 32]);
    assert_eq!(identity.seed(), &[0x77; 32]);
    let identity_public = hex::encode(identity.public().0);
    assert_eq!(
        format!("{identity:?}"),
        format!(
            "IdentityKeyPair {{ seed: \"[redacted]\", public: IdentityPublicKey({identity_public}) }}"
        )
    );
    // A key pair shows its public key (not secret) and hides its private key.
    let pair = generate_dh_from_bytes([0x0b; 32]);
    let public = hex::encode(pair.public.as_bytes());
    assert_eq!(
        format!("{:?}", pair.public),
        format!("DhPublicKey({public})")
    );
    assert_eq!(
        format!("{pair:?}"),
        format!("DhKeyPair {{ private: DhPrivateKey([redacted]), public: DhPublicKey({public}) }}")
    );
}

#[test]
fn a_session_prints_its_public_state_and_counters() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 3);
    receive(&mut bob, &messages[2], "msg 2");
    let printed = format!("{bob:?}");
    let dhr = hex::encode(alice.ratchet_public().as_bytes());
    for field in [
        "Session {".to_string(),
        "profile: \"spec\"".to_string(),
        format!("DHr: Some(DhPublicKey({dhr}))"),
        "Ns: 0".to_string(),
        "receiving chains: 1".to_string(),
        "PN: 0".to_string(),
        "MKSKIPPED: 2".to_string(),
    ] {
        assert!(printed.contains(&field), "{field} missing from {printed}");
    }
}
