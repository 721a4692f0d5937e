//! X3DH (X3DH spec section 3) with Ed25519 identity keys.

use ratchet_ref::primitives::hkdf_sha256::hkdf_sha256;
use ratchet_ref::primitives::{
    dh, generate_dh_from_bytes, DhKeyPair, DhPublicKey, IdentityKeyPair, IdentityPublicKey,
};
use ratchet_ref::x3dh::{
    encode_identity_key, encode_x25519_key, initiate, respond, sign_prekey, PreKeyBundle,
};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource};

struct Bob {
    identity: IdentityKeyPair,
    spk: DhKeyPair,
    opk: DhKeyPair,
}

fn bob() -> Bob {
    Bob {
        identity: IdentityKeyPair::from_seed([0xb0; 32]),
        spk: generate_dh_from_bytes([0xb1; 32]),
        opk: generate_dh_from_bytes([0xb2; 32]),
    }
}

fn bundle(bob: &Bob, with_opk: bool) -> PreKeyBundle {
    PreKeyBundle {
        identity_key: bob.identity.public(),
        signed_prekey: bob.spk.public,
        signed_prekey_signature: sign_prekey(&Profile::spec(), &bob.identity, &bob.spk.public),
        one_time_prekey: with_opk.then_some(bob.opk.public),
    }
}

fn ephemeral_queue() -> QueuedKeySource {
    let mut queue = QueuedKeySource::new();
    queue.push([0xae; 32]);
    queue
}

#[test]
fn both_sides_agree_with_and_without_one_time_prekey() {
    let profile = Profile::spec();
    let alice = IdentityKeyPair::from_seed([0xa0; 32]);
    let bob = bob();
    for with_opk in [false, true] {
        let out = initiate(
            &profile,
            &alice,
            &bundle(&bob, with_opk),
            &mut ephemeral_queue(),
        )
        .unwrap();
        let back = respond(
            &profile,
            &bob.identity,
            &bob.spk,
            with_opk.then_some(&bob.opk),
            &alice.public(),
            &out.ephemeral.public,
        )
        .unwrap();
        assert_eq!(out.sk, back.sk);
        assert_eq!(out.ad, back.ad);
        assert_eq!(out.dh_outputs.len(), if with_opk { 4 } else { 3 });
        assert_eq!(out.dh_outputs, back.dh_outputs);
    }
}

#[test]
fn sk_and_ad_follow_the_documented_construction() {
    let profile = Profile::spec();
    let alice = IdentityKeyPair::from_seed([0xa0; 32]);
    let bob = bob();
    let out = initiate(
        &profile,
        &alice,
        &bundle(&bob, true),
        &mut ephemeral_queue(),
    )
    .unwrap();
    let ek = generate_dh_from_bytes([0xae; 32]);
    assert_eq!(out.ephemeral.public, ek.public);
    let dh1 = dh(&profile, &alice.dh_private(), &bob.spk.public).unwrap();
    let dh2 = dh(&profile, &ek.private, &bob.identity.dh_public()).unwrap();
    let dh3 = dh(&profile, &ek.private, &bob.spk.public).unwrap();
    let dh4 = dh(&profile, &ek.private, &bob.opk.public).unwrap();
    let mut ikm = vec![0xffu8; 32];
    for d in [&dh1, &dh2, &dh3, &dh4] {
        ikm.extend_from_slice(d.expose());
    }
    let mut sk = [0u8; 32];
    hkdf_sha256(&[0u8; 32], &ikm, b"ratchet-conformance/spec/x3dh", &mut sk).unwrap();
    assert_eq!(out.sk.expose(), &sk);
    let mut ad = vec![0xed];
    ad.extend_from_slice(&alice.public().0);
    ad.push(0xed);
    ad.extend_from_slice(&bob.identity.public().0);
    assert_eq!(out.ad, ad);
    assert_eq!(
        encode_identity_key(&profile, &alice.public()).to_vec(),
        ad[..33]
    );
    assert_eq!(encode_x25519_key(&profile, &bob.spk.public)[0], 0x05);
}

#[test]
fn a_bad_signature_is_rejected_before_any_key_is_drawn() {
    let profile = Profile::spec();
    let alice = IdentityKeyPair::from_seed([0xa0; 32]);
    let mut b = bundle(&bob(), true);
    b.signed_prekey_signature[10] ^= 1;
    let mut queue = ephemeral_queue();
    let err = initiate(&profile, &alice, &b, &mut queue).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSignature);
    assert_eq!(queue.len(), 1, "no ephemeral key was drawn");
    // A signature by another identity key is just as invalid.
    let mut b = bundle(&bob(), false);
    b.signed_prekey_signature = sign_prekey(
        &profile,
        &IdentityKeyPair::from_seed([0xcc; 32]),
        &b.signed_prekey,
    );
    assert_eq!(
        initiate(&profile, &alice, &b, &mut ephemeral_queue())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidSignature
    );
}

#[test]
fn a_signature_only_a_lax_verifier_accepts_is_invalid() {
    // The identity key and R are both the neutral point (encoded 0x01 ‖ 0×31) and S = 0:
    // RFC 8032 section 5.1.7's equation [8][S]B = [8]R + [8][k]A' holds (0 = 0 + 0) for
    // every message, so a verifier that does not refuse small-order points accepts it.
    let mut neutral = [0u8; 32];
    neutral[0] = 1;
    let mut signature = [0u8; 64];
    signature[0] = 1;
    let b = PreKeyBundle {
        identity_key: IdentityPublicKey(neutral),
        signed_prekey: bob().spk.public,
        signed_prekey_signature: signature,
        one_time_prekey: None,
    };
    let alice = IdentityKeyPair::from_seed([0xa0; 32]);
    let mut queue = ephemeral_queue();
    let err = initiate(&Profile::spec(), &alice, &b, &mut queue).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSignature, "{err}");
    assert_eq!(queue.len(), 1, "no ephemeral key was drawn");
}

#[test]
fn small_order_prekeys_are_invalid_key() {
    let profile = Profile::spec();
    let alice = IdentityKeyPair::from_seed([0xa0; 32]);
    let bob = bob();
    // A signed small-order SPK passes the signature check and fails at DH.
    let mut b = bundle(&bob, false);
    b.signed_prekey = DhPublicKey([0; 32]);
    b.signed_prekey_signature = sign_prekey(&profile, &bob.identity, &b.signed_prekey);
    assert_eq!(
        initiate(&profile, &alice, &b, &mut ephemeral_queue())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidKey
    );
    let mut b = bundle(&bob, true);
    let mut one = [0u8; 32];
    one[0] = 1;
    b.one_time_prekey = Some(DhPublicKey(one));
    assert_eq!(
        initiate(&profile, &alice, &b, &mut ephemeral_queue())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidKey
    );
    // And on Bob's side, a small-order ephemeral key from Alice.
    let err = respond(
        &profile,
        &bob.identity,
        &bob.spk,
        None,
        &alice.public(),
        &DhPublicKey([0; 32]),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
}

#[test]
fn bundle_encoding_round_trips_and_rejects_wrong_lengths() {
    for with_opk in [false, true] {
        let b = bundle(&bob(), with_opk);
        let bytes = b.encode();
        assert_eq!(bytes.len(), if with_opk { 160 } else { 128 });
        assert_eq!(PreKeyBundle::decode(&bytes).unwrap(), b);
    }
    for len in [0usize, 127, 129, 159, 161] {
        assert_eq!(
            PreKeyBundle::decode(&vec![1u8; len]).unwrap_err().kind(),
            ErrorKind::Malformed
        );
    }
}
