//! Secrets never appear in `Debug` output; errors carry stable kind names.

mod common;

use common::{pair, receive, send};
use ratchet_ref::primitives::aead::derive_message_key_material;
use ratchet_ref::primitives::{IdentityKeyPair, MessageKey};
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
