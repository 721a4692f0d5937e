//! State snapshots: export, JSON round trip, restore, and rejection of inconsistent input.

mod common;

use common::{pair, receive, send, small_limits, AD};
use ratchet_ref::{ErrorKind, Profile, SeededKeySource, Session, SessionSnapshot};

#[test]
fn json_round_trip_preserves_every_variable() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 4);
    receive(&mut bob, &messages[3], "msg 3");
    let snap = bob.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    for name in [
        "\"DHs\"",
        "\"DHr\"",
        "\"RK\"",
        "\"CKs\"",
        "\"CKr\"",
        "\"Ns\"",
        "\"Nr\"",
        "\"PN\"",
        "\"MKSKIPPED\"",
    ] {
        assert!(json.contains(name), "{name} missing from {json}");
    }
    let back: SessionSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snap);
}

#[test]
fn a_restored_session_continues_exactly_like_the_original() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let messages = send(&mut alice, 4);
    receive(&mut bob, &messages[2], "msg 2");
    let mut restored = Session::restore(
        Profile::spec(),
        &bob.snapshot(),
        Box::new(SeededKeySource::from_u64(2)),
    )
    .unwrap();
    for i in [0usize, 3, 1] {
        receive(&mut restored, &messages[i], &format!("msg {i}"));
    }
    assert_eq!(restored.skipped_len(), 0);
    let reply = restored.encrypt(b"r", AD).unwrap();
    receive(&mut alice, &reply, "r");
}

#[test]
fn restore_rejects_inconsistent_snapshots() {
    let (mut alice, mut bob) = pair(small_limits(10, 3));
    let messages = send(&mut alice, 4);
    receive(&mut bob, &messages[3], "msg 3");
    let good = bob.snapshot();

    let mut wrong_public = good.clone();
    wrong_public.dhs.as_mut().unwrap().public.0[0] ^= 1;
    let err = Session::restore(
        *bob.profile(),
        &wrong_public,
        Box::new(SeededKeySource::from_u64(0)),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);

    let mut twice = good.clone();
    twice.mkskipped[1] = twice.mkskipped[0].clone();
    let err = Session::restore(
        *bob.profile(),
        &twice,
        Box::new(SeededKeySource::from_u64(0)),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);

    let err = Session::restore(
        small_limits(10, 2),
        &good,
        Box::new(SeededKeySource::from_u64(0)),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
}

#[test]
fn unknown_fields_and_bad_hex_are_rejected_by_the_parser() {
    let (alice, _) = pair(Profile::spec());
    let mut value = serde_json::to_value(alice.snapshot()).unwrap();
    value["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<SessionSnapshot>(value.clone()).is_err());
    value.as_object_mut().unwrap().remove("extra");
    value["RK"] = serde_json::json!("zz");
    assert!(serde_json::from_value::<SessionSnapshot>(value).is_err());
}

#[test]
fn a_store_holding_exactly_the_cap_restores_and_one_more_is_refused() {
    // Normal use reaches a full store: 3 keys skipped with a cap of 3.
    let (mut alice, mut bob) = pair(small_limits(10, 3));
    let messages = send(&mut alice, 4);
    receive(&mut bob, &messages[3], "msg 3");
    let full = bob.snapshot();
    assert_eq!(full.mkskipped.len(), 3);
    let mut restored = Session::restore(
        *bob.profile(),
        &full,
        Box::new(SeededKeySource::from_u64(0)),
    )
    .unwrap();
    assert_eq!(
        restored.snapshot(),
        full,
        "restore then snapshot is the identity"
    );
    for i in [0usize, 1, 2] {
        receive(&mut restored, &messages[i], &format!("msg {i}"));
    }
    let err = Session::restore(
        small_limits(10, 2),
        &full,
        Box::new(SeededKeySource::from_u64(0)),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "3 keys over a cap of 2");
}

#[test]
fn encrypting_at_the_last_message_number_fails_and_changes_nothing() {
    let (mut alice, mut bob) = pair(Profile::spec());
    let m = send(&mut alice, 1);
    receive(&mut bob, &m[0], "msg 0");
    let mut at_end = alice.snapshot();
    at_end.ns = u32::MAX;
    let mut session = Session::restore(
        Profile::spec(),
        &at_end,
        Box::new(SeededKeySource::from_u64(0)),
    )
    .unwrap();
    let err = session.encrypt(b"one too many", AD).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(
        session.snapshot(),
        at_end,
        "a refused encrypt must change nothing"
    );
}

#[test]
fn a_spec_session_without_a_ratchet_key_of_its_own_cannot_send() {
    // DHs and CKs both null with a peer key known: under the spec profile the sending chain
    // comes only from a DH ratchet step at receive (DR spec section 3.5), so encrypting must
    // fail, not make a sending chain on its own the way Olm does at its next send.
    let (mut alice, mut bob) = pair(Profile::spec());
    let m = send(&mut alice, 1);
    receive(&mut bob, &m[0], "msg 0");
    let mut keyless = bob.snapshot();
    keyless.dhs = None;
    keyless.cks = None;
    keyless.ns = 0;
    let mut session = Session::restore(
        Profile::spec(),
        &keyless,
        Box::new(SeededKeySource::from_u64(0)),
    )
    .unwrap();
    let err = session.encrypt(b"no chain", AD).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState, "{err}");
    assert_eq!(
        session.snapshot(),
        keyless,
        "a refused encrypt changes nothing"
    );
}
