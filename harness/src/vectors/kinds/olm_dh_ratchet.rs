//! `olm_dh_ratchet`: Olm's ratchet step on its own (olm.md, "Advancing the root key"): from an
//! established session's Olm state, a normal message on a ratchet key the session has not
//! seen creates a new receiving chain, R_i ‖ C_i,0 = HKDF(R_i-1, ECDH(T_i-1, T_i),
//! "OLM_RATCHET"), and drops the sending chain; the next send draws a new ratchet key and
//! steps again. Each test imports the state, decrypts the message, compares the state, then
//! sends a reply on the new key and compares its bytes and the state.

use std::collections::BTreeMap;

use ratchet_ref::primitives::generate_dh_from_bytes;
use ratchet_ref::profile::{KeyAgreement, MessageFormat};
use ratchet_ref::session::{MessageKind, OlmSessionState};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource, Session};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::olm_transcript::{olm_state_check, OlmTranscript};
use super::transcript::Party;
use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::diagnosis::unchanged_rule;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmDhRatchetTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    /// The receiving party's state before the message.
    pub state_before: OlmSessionState,
    /// A normal message on a ratchet key that is not one of stateBefore's receiving chains.
    pub message: Hex,
    /// What a valid decrypt returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_errors: Vec<ErrorKind>,
    /// The state after the decrypt (stateBefore when it fails).
    pub state_after_receive: OlmSessionState,
    /// After a valid decrypt: the reply, sent on the ratchet key newRatchetPrivate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<OlmReply>,
}
test_case!(OlmDhRatchetTest);

/// The first send after the new receiving chain: it starts a new sending chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmReply {
    pub plaintext: Hex,
    /// T_i+1's private key, drawn by the send.
    pub new_ratchet_private: Hex,
    /// The normal message it writes.
    pub message: Hex,
    pub state_after: OlmSessionState,
}

pub struct OlmDhRatchetKind;

use Party::{Alice, Bob};

fn other(party: Party) -> Party {
    match party {
        Alice => Bob,
        Bob => Alice,
    }
}

fn text(i: usize) -> Vec<u8> {
    format!("olm ratchet {i}").into_bytes()
}

/// A receiving party's state, and a message on a ratchet key that is new to it.
struct Situation {
    before: OlmSessionState,
    message: Vec<u8>,
}

/// `from` sends `lost` messages that never arrive, then one more, which is returned: the
/// first of them starts a new sending chain when `from` has received since its last send.
fn send_after_lost(t: &mut OlmTranscript, rng: &mut VectorRng, from: Party, lost: u32) -> Vec<u8> {
    let (first, _) = t.send(rng, from, &text(0));
    if lost == 0 {
        return first;
    }
    if lost > 1 {
        t.send_lost(from, lost - 1, &text(1));
    }
    t.send(rng, from, &text(2)).0
}

/// The session established, then `rounds` (sender, messages lost before the delivered one),
/// each delivered to the other party; then the situation: `receiver` before a message of
/// its peer's next chain at index `index`. Rounds alternate from Alice, so every round and
/// the final message start a new chain.
fn situation(
    profile: &Profile,
    rng: &mut VectorRng,
    receiver: Party,
    rounds: &[u32],
    index: u32,
) -> Option<Situation> {
    let mut t = OlmTranscript::random(*profile, rng).ok()?;
    t.establish(rng);
    let mut sender = Alice;
    for &lost in rounds {
        let m = send_after_lost(&mut t, rng, sender, lost);
        t.deliver(other(sender), &m, MessageKind::Normal).ok()?;
        sender = other(sender);
    }
    if sender == receiver {
        let m = send_after_lost(&mut t, rng, sender, 0);
        t.deliver(other(sender), &m, MessageKind::Normal).ok()?;
    }
    let message = send_after_lost(&mut t, rng, other(receiver), index);
    let (alice, bob) = t.states();
    let before = match receiver {
        Alice => alice,
        Bob => bob?,
    };
    Some(Situation { before, message })
}

/// The receiver right after a new receiving chain (no sending chain), and a message of its
/// peer's current chain with the ratchet key replaced by a fresh one.
fn without_sender_chain(
    profile: &Profile,
    rng: &mut VectorRng,
    receiver: Party,
) -> Option<Situation> {
    let mut t = OlmTranscript::random(*profile, rng).ok()?;
    t.establish(rng);
    if receiver == Bob {
        let m = send_after_lost(&mut t, rng, Alice, 0);
        t.deliver(Bob, &m, MessageKind::Normal).ok()?;
    }
    let m = send_after_lost(&mut t, rng, other(receiver), 0);
    let (alice, bob) = t.states();
    let before = match receiver {
        Alice => alice,
        Bob => bob?,
    };
    let fresh = generate_dh_from_bytes(rng.key()).public.0;
    Some(Situation {
        before,
        message: with_ratchet_key(&m, fresh)?,
    })
}

/// The message with its ratchet key field (the first field, 32 bytes) replaced; the MAC is
/// left as it was.
fn with_ratchet_key(message: &[u8], key: [u8; 32]) -> Option<Vec<u8>> {
    let mut m = message.to_vec();
    if m.get(1..3) != Some(&[0x0a, 0x20][..]) {
        return None;
    }
    m.get_mut(3..35)?.copy_from_slice(&key);
    Some(m)
}

fn flip_mac(message: &[u8]) -> Vec<u8> {
    let mut m = message.to_vec();
    if let Some(last) = m.last_mut() {
        *last ^= 0x01;
    }
    m
}

/// The test for `message` against `before`, every expected value from the reference:
/// None when the message's ratchet key is one of `before`'s chains (no ratchet step).
fn make(
    profile: &Profile,
    rng: &mut VectorRng,
    situation: &Situation,
    message: Vec<u8>,
    comment: String,
    flags: &[&str],
    alternatives: &[ErrorKind],
) -> Option<OlmDhRatchetTest> {
    let key: [u8; 32] = message.get(3..35)?.try_into().ok()?;
    if situation
        .before
        .receiver_chains
        .iter()
        .any(|c| c.ratchet_key.0 == key)
    {
        return None;
    }
    let new_key = rng.key();
    let reply_len = 1 + rng.below(40);
    let reply_plaintext = rng.bytes(reply_len);
    let mut keys = QueuedKeySource::new();
    keys.push(new_key);
    let mut session = Session::restore_olm(*profile, &situation.before, Box::new(keys)).ok()?;
    let outcome = session.decrypt_typed(MessageKind::Normal, &message, &[]);
    let state_after_receive = session.olm_state();
    let (plaintext, result, error, reply) = match outcome {
        Ok(plaintext) => {
            let (kind, reply) = session.encrypt_typed(&reply_plaintext, &[]).ok()?;
            if kind != MessageKind::Normal {
                return None;
            }
            let reply = OlmReply {
                plaintext: Hex(reply_plaintext),
                new_ratchet_private: Hex::from(new_key),
                message: Hex(reply),
                state_after: session.olm_state(),
            };
            (Some(Hex(plaintext)), Outcome::Valid, None, Some(reply))
        }
        Err(e) => (None, Outcome::Invalid, Some(e.kind()), None),
    };
    Some(OlmDhRatchetTest {
        tc_id: 0,
        comment,
        flags: flags.iter().map(|f| f.to_string()).collect(),
        state_before: situation.before.clone(),
        message: Hex(message),
        plaintext,
        result,
        error,
        alternative_errors: if result == Outcome::Invalid {
            alternatives.to_vec()
        } else {
            Vec::new()
        },
        state_after_receive,
        reply,
    })
}

impl KindSpec for OlmDhRatchetKind {
    const NAME: &'static str = "olm_dh_ratchet";
    type Test = OlmDhRatchetTest;

    /// Shaped by Olm's wire format and its state, which sessions of the triple DH start have.
    fn applies_to(profile: &Profile) -> bool {
        matches!(profile.wire, MessageFormat::Olm(_))
            && matches!(profile.key_agreement, KeyAgreement::TripleDh { .. })
    }

    fn header() -> Vec<String> {
        vec![
            "Import stateBefore (session_import), decrypt the normal message (its ratchet key T_i is new to the session): R_i, C_i,0 = HKDF-SHA256(salt R_i-1, ECDH(T_i-1, T_i), \"OLM_RATCHET\", 64) with T_i-1 the session's own sending ratchet key; the new receiving chain becomes the newest (the oldest is dropped beyond the profile's receiving chains); keys skipped on it are stored; the sending chain is dropped.".into(),
            "Then compare session_export with stateAfterReceive, send reply.plaintext drawing reply.newRatchetPrivate as T_i+1 (R_i+1, C_i+1,0 = HKDF(R_i, ECDH(T_i+1, T_i), \"OLM_RATCHET\", 64)), and compare the message and stateAfter.".into(),
            "A failed decrypt leaves the state as it was (stateAfterReceive = stateBefore). Without injectKeys only the receive half runs: the reply's bytes depend on the injected key.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            (
                "Normal",
                note(
                    "Functionality",
                    "A ratchet step on the first message of the peer's new chain.",
                    "olm.md, Advancing the root key",
                ),
            ),
            (
                "SkippedOnNewChain",
                note(
                    "Functionality",
                    "The message is not the first of its new chain: the keys before it are stored on the new chain.",
                    "olm.md, Advancing the chain key",
                ),
            ),
            (
                "StoredKeyCap",
                note(
                    "EdgeCase",
                    "More keys are skipped on the new chain than the profile stores: the oldest are dropped.",
                    "profile limits (libolm and vodozemac: 40 message keys)",
                ),
            ),
            (
                "WithStoredKeys",
                note(
                    "Functionality",
                    "stateBefore holds stored keys of an older chain: the step keeps them.",
                    "olm.md, Advancing the root key",
                ),
            ),
            (
                "OldestChainDropped",
                note(
                    "EdgeCase",
                    "stateBefore holds the most receiving chains the profile keeps: the new chain drops the oldest.",
                    "profile limits (libolm and vodozemac: 5 receiver chains)",
                ),
            ),
            (
                "MaxGapOnNewChain",
                note(
                    "EdgeCase",
                    "The message's index is exactly the largest gap allowed on a new chain.",
                    "profile limits (libolm and vodozemac: MAX_MESSAGE_GAP 2000)",
                ),
            ),
            (
                "GapBeyondMax",
                note(
                    "EdgeCase",
                    "The message's index is one more than the largest gap allowed: too_many_skipped, state unchanged.",
                    "profile limits (libolm and vodozemac: MAX_MESSAGE_GAP 2000)",
                ),
            ),
            (
                "MacFlipped",
                note(
                    "ModifiedMessage",
                    "The message's last MAC bit is flipped: auth_failed, and the tentative step leaves no trace.",
                    "olm.md, Olm Authenticated Encryption",
                ),
            ),
            (
                "TamperedRatchetKey",
                note(
                    "ModifiedMessage",
                    "The message's ratchet key is replaced by another valid key: the MAC covers it, auth_failed, state unchanged.",
                    "olm.md, Olm Authenticated Encryption",
                ),
            ),
            (
                "LowOrderRatchetKey",
                note(
                    "ModifiedMessage",
                    "The message's ratchet key is replaced by a small-order point: the MAC fails (auth_failed); refusing the key (invalid_key) is also accepted. State unchanged.",
                    "olm.md, Olm Authenticated Encryption; RFC 7748 §6.1",
                ),
            ),
            (
                "NoSenderChain",
                note(
                    "ModifiedMessage",
                    "A new ratchet key arrives while the session has no sending chain (it has not sent since its last new chain): no genuine peer can do that, so no step is possible (invalid_state; auth_failed also accepted). State unchanged.",
                    "olm.md, Advancing the root key",
                ),
            ),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<OlmDhRatchetTest>> {
        let max_gap = profile.limits.max_skip;
        let cap = u32::try_from(profile.limits.max_stored_keys).unwrap_or(u32::MAX);
        let chains = profile.receiving_chains.max();
        let alternating = |n: usize| vec![0u32; n];
        let mut steps = Vec::new();
        let mut tampered = Vec::new();
        for receiver in [Bob, Alice] {
            let who = receiver.name();
            for (index, flags) in [
                (0, &["Normal"][..]),
                (1, &["Normal", "SkippedOnNewChain"][..]),
                (7, &["Normal", "SkippedOnNewChain"][..]),
                (cap, &["Normal", "SkippedOnNewChain"][..]),
                (
                    cap + 1,
                    &["Normal", "SkippedOnNewChain", "StoredKeyCap"][..],
                ),
            ] {
                let Some(s) = situation(profile, rng, receiver, &[], index) else {
                    continue;
                };
                let comment = format!("{who} steps on message {index} of a new chain");
                steps.extend(make(
                    profile,
                    rng,
                    &s,
                    s.message.clone(),
                    comment,
                    flags,
                    &[],
                ));
                if index == 1 {
                    let fresh = generate_dh_from_bytes(rng.key()).public.0;
                    let low_order = [0u8; 32];
                    for (message, what, flags, alternatives) in [
                        (
                            Some(flip_mac(&s.message)),
                            "a flipped MAC bit",
                            &["MacFlipped"][..],
                            &[][..],
                        ),
                        (
                            with_ratchet_key(&s.message, fresh),
                            "another ratchet key",
                            &["TamperedRatchetKey"][..],
                            &[][..],
                        ),
                        (
                            with_ratchet_key(&s.message, low_order),
                            "a small-order ratchet key",
                            &["LowOrderRatchetKey"][..],
                            &[ErrorKind::InvalidKey][..],
                        ),
                    ] {
                        let Some(message) = message else { continue };
                        let comment = format!("{who} gets message 1 of a new chain with {what}");
                        tampered.extend(make(
                            profile,
                            rng,
                            &s,
                            message,
                            comment,
                            flags,
                            alternatives,
                        ));
                    }
                }
            }
            // Stored keys of an older chain (the first round lost 2 messages) are carried.
            let rounds: &[u32] = if receiver == Bob { &[2, 0] } else { &[0, 2] };
            if let Some(s) = situation(profile, rng, receiver, rounds, 1) {
                let comment = format!("{who} steps while holding stored keys of an older chain");
                steps.extend(make(
                    profile,
                    rng,
                    &s,
                    s.message.clone(),
                    comment,
                    &["Normal", "WithStoredKeys", "SkippedOnNewChain"],
                    &[],
                ));
            }
            // The receiver holds the most chains: the new one drops the oldest, first with
            // the oldest chain empty of stored keys, then holding some.
            let full = 2 * (chains - 1);
            for lost_first in [0u32, 3] {
                let mut rounds = alternating(full);
                let first = if receiver == Bob { 0 } else { 1 };
                rounds[first] = lost_first;
                if lost_first > 0 {
                    // Two more rounds, so the chain holding the keys is the oldest.
                    rounds.extend([0, 0]);
                }
                let Some(s) = situation(profile, rng, receiver, &rounds, 0) else {
                    continue;
                };
                let mut flags = vec!["Normal", "OldestChainDropped"];
                if lost_first > 0 {
                    flags.push("WithStoredKeys");
                }
                let comment = format!(
                    "{who} holds {} receiving chains{}; a new one drops the oldest",
                    s.before.receiver_chains.len(),
                    if lost_first > 0 {
                        ", the oldest with stored keys"
                    } else {
                        ""
                    }
                );
                steps.extend(make(
                    profile,
                    rng,
                    &s,
                    s.message.clone(),
                    comment,
                    &flags,
                    &[],
                ));
            }
            for (index, flags) in [
                (max_gap, &["MaxGapOnNewChain", "StoredKeyCap"][..]),
                (max_gap.saturating_add(1), &["GapBeyondMax"][..]),
            ] {
                let Some(s) = situation(profile, rng, receiver, &[], index) else {
                    continue;
                };
                let comment = format!("{who} gets message {index} of a new chain");
                let list = if flags[0] == "GapBeyondMax" {
                    &mut tampered
                } else {
                    &mut steps
                };
                list.extend(make(
                    profile,
                    rng,
                    &s,
                    s.message.clone(),
                    comment,
                    flags,
                    &[],
                ));
            }
            if let Some(s) = without_sender_chain(profile, rng, receiver) {
                let comment = format!("{who} has no sending chain when a new ratchet key arrives");
                tampered.extend(make(
                    profile,
                    rng,
                    &s,
                    s.message.clone(),
                    comment,
                    &["NoSenderChain"],
                    &[ErrorKind::AuthFailed],
                ));
            }
        }
        vec![
            TestGroup {
                group_type: "OlmDhRatchetTest".into(),
                comment: "ratchet steps and the reply on a new sending chain".into(),
                tests: steps,
            },
            TestGroup {
                group_type: "OlmDhRatchetTest".into(),
                comment: "messages that must not step the ratchet".into(),
                tests: tampered,
            },
        ]
    }

    fn checks(test: &OlmDhRatchetTest, caps: &Capabilities) -> Result<Vec<Check>, String> {
        if !caps.import_state {
            return Err(
                "a ratchet step from a given state needs state import (hello: importState)".into(),
            );
        }
        let session = format!("tc{}-olm-ratchet", test.tc_id);
        let state = serde_json::to_value(&test.state_before).map_err(|e| e.to_string())?;
        let mut fields = Vec::new();
        if let Some(p) = &test.plaintext {
            fields.push(("/plaintext".to_string(), json!(p)));
        }
        let mut checks = vec![
            Check::new(
                "import stateBefore",
                "session_import",
                json!({"session": session, "state": state}),
                Expect::Ok(Vec::new()),
            ),
            Check::new(
                "decrypt",
                "session_decrypt",
                json!({"session": session, "message": test.message, "type": "normal"}),
                expect_outcome(test.result, test.error, &test.alternative_errors, fields),
            ),
        ];
        let mut after = olm_state_check("decrypt".into(), &session, &test.state_after_receive);
        if test.result == Outcome::Invalid {
            after = after.after_failure(unchanged_rule("decrypt"));
        }
        checks.push(after);
        if let (Some(reply), true) = (&test.reply, caps.inject_keys) {
            checks.push(Check::new(
                "reply",
                "session_encrypt",
                json!({"session": session, "plaintext": reply.plaintext, "keys": [reply.new_ratchet_private]}),
                Expect::Ok(vec![
                    ("/message".into(), json!(reply.message)),
                    ("/type".into(), json!("normal")),
                ]),
            ));
            checks.push(olm_state_check(
                "reply".into(),
                &session,
                &reply.state_after,
            ));
        }
        checks.push(
            Check::new(
                "close",
                "session_close",
                json!({ "session": session }),
                Expect::Ok(Vec::new()),
            )
            .optional(),
        );
        Ok(checks)
    }
}
