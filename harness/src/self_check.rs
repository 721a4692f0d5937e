//! A quick end-to-end exercise of the reference against itself: X3DH from fresh identity
//! keys, then a conversation with direction changes, reordering and a rejected replay. It is
//! the main job until the driver lands; it reports each check by name and fails loudly.

use ratchet_ref::primitives::{generate_dh, IdentityKeyPair};
use ratchet_ref::x3dh::{initiate, respond, sign_prekey, PreKeyBundle};
use ratchet_ref::{ErrorKind, OsKeySource, Profile, Session};

/// One named check and whether it held.
pub struct CheckResult {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

fn check(name: &'static str, outcome: Result<(), String>) -> CheckResult {
    match outcome {
        Ok(()) => CheckResult {
            name,
            passed: true,
            detail: String::new(),
        },
        Err(detail) => CheckResult {
            name,
            passed: false,
            detail,
        },
    }
}

fn conversation(profile: Profile) -> Result<(Session, Session, Vec<u8>), String> {
    let mut os = OsKeySource;
    let alice_ik = IdentityKeyPair::generate(&mut os).map_err(|e| e.to_string())?;
    let bob_ik = IdentityKeyPair::generate(&mut os).map_err(|e| e.to_string())?;
    let bob_spk = generate_dh(&mut os).map_err(|e| e.to_string())?;
    let bob_opk = generate_dh(&mut os).map_err(|e| e.to_string())?;
    let bundle = PreKeyBundle {
        identity_key: bob_ik.public(),
        signed_prekey: bob_spk.public,
        signed_prekey_signature: sign_prekey(&profile, &bob_ik, &bob_spk.public),
        one_time_prekey: Some(bob_opk.public),
    };
    let alice = initiate(&profile, &alice_ik, &bundle, &mut os).map_err(|e| e.to_string())?;
    let bob = respond(
        &profile,
        &bob_ik,
        &bob_spk,
        Some(&bob_opk),
        &alice_ik.public(),
        &alice.ephemeral.public,
    )
    .map_err(|e| e.to_string())?;
    if alice.sk != bob.sk || alice.ad != bob.ad {
        return Err("X3DH: initiator and responder derived different SK or AD".into());
    }
    let alice_session =
        Session::init_alice(profile, alice.sk, bob_spk.public, Box::new(OsKeySource))
            .map_err(|e| e.to_string())?;
    let bob_session = Session::init_bob(profile, bob.sk, bob_spk, Box::new(OsKeySource));
    Ok((alice_session, bob_session, alice.ad))
}

/// Runs every check for `profile`.
pub fn run(profile: Profile) -> Vec<CheckResult> {
    let mut results = Vec::new();
    let setup = conversation(profile);
    results.push(check(
        "x3dh agreement",
        setup.as_ref().map(|_| ()).map_err(Clone::clone),
    ));
    let Ok((mut alice, mut bob, ad)) = setup else {
        return results;
    };
    results.push(check(
        "ping-pong over 20 turns",
        (|| {
            for turn in 0..20u32 {
                let text = format!("turn {turn}");
                let (from, to) = if turn % 2 == 0 {
                    (&mut alice, &mut bob)
                } else {
                    (&mut bob, &mut alice)
                };
                let message = from
                    .encrypt(text.as_bytes(), &ad)
                    .map_err(|e| e.to_string())?;
                let plain = to
                    .decrypt(&message, &ad)
                    .map_err(|e| format!("turn {turn}: {e}"))?;
                if plain != text.as_bytes() {
                    return Err(format!("turn {turn}: wrong plaintext"));
                }
            }
            Ok(())
        })(),
    ));
    results.push(check(
        "out-of-order burst and replay",
        (|| {
            let messages: Vec<Vec<u8>> = (0..5)
                .map(|i| alice.encrypt(&[i], &ad).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?;
            for i in [4usize, 0, 3, 1, 2] {
                let plain = bob
                    .decrypt(&messages[i], &ad)
                    .map_err(|e| format!("message {i}: {e}"))?;
                if plain != [i as u8] {
                    return Err(format!("message {i}: wrong plaintext"));
                }
            }
            match bob.decrypt(&messages[2], &ad) {
                Err(e) if e.kind() == ErrorKind::Duplicate => Ok(()),
                other => Err(format!("replay: expected duplicate, got {other:?}")),
            }
        })(),
    ));
    results
}
