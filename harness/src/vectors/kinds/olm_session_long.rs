//! `olm_session_long`: a 10,000-message Olm conversation from the triple DH start, with
//! direction changes, reordering and loss, checked through a running SHA-256 of every
//! message and plaintext (as `session_long` does for `spec`), then both final states.

use std::collections::BTreeMap;

use ratchet_ref::profile::{KeyAgreement, MessageFormat};
use ratchet_ref::session::{MessageKind, OlmSessionState};
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::olm_transcript::{olm_state_check, OlmAction, OlmSetup, OlmTranscript};
use super::session_long::Checkpoint;
use super::transcript::Party;
use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmSessionLongTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub setup: OlmSetup,
    pub message_count: usize,
    /// Space-separated actions: `A` / `B` an encrypt by Alice / Bob of the next message
    /// (`A+` when it starts a new sending chain and draws the next key of its party's list);
    /// `a<i>` / `b<i>` Alice / Bob decrypts message i (`p` suffix: a pre-key message; Bob's
    /// first is `create_inbound`).
    pub actions: String,
    pub alice_keys: Vec<Hex>,
    pub bob_keys: Vec<Hex>,
    /// SHA-256 over every encrypt's message and every decrypt's plaintext, each preceded by
    /// its length as u32 big-endian.
    pub sha256: Hex,
    pub checkpoints: Vec<Checkpoint>,
    pub alice_state: OlmSessionState,
    pub bob_state: Option<OlmSessionState>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(OlmSessionLongTest);

pub struct OlmSessionLongKind;

fn plaintext(i: usize) -> Vec<u8> {
    format!("olm message {i}").into_bytes()
}

fn conversation(
    profile: &Profile,
    rng: &mut VectorRng,
    messages: usize,
) -> Option<OlmSessionLongTest> {
    let mut t = OlmTranscript::random(*profile, rng).ok()?;
    let mut actions: Vec<String> = Vec::new();
    let mut keys: [Vec<Hex>; 2] = [Vec::new(), Vec::new()];
    let mut digest = Sha256::new();
    let mut checkpoints = Vec::new();
    let mut sent: Vec<(Party, Vec<u8>, MessageKind)> = Vec::new();
    let mut in_flight: Vec<usize> = Vec::new();
    let mut sender = Party::Alice;
    let mut bob_exists = false;
    let record = |digest: &mut Sha256, bytes: &[u8]| {
        digest.update((bytes.len() as u32).to_be_bytes());
        digest.update(bytes);
    };
    while sent.len() < messages || !in_flight.is_empty() {
        let send = sent.len() < messages && (in_flight.is_empty() || rng.below(2) == 0);
        if send {
            if bob_exists && rng.below(4) == 0 {
                sender = if sender == Party::Alice {
                    Party::Bob
                } else {
                    Party::Alice
                };
            }
            let index = sent.len();
            let (message, kind) = t.send(rng, sender, &plaintext(index));
            let step = t.steps.last()?;
            if step.result != Outcome::Valid {
                return None;
            }
            let fresh = !step.injected_keys.is_empty();
            if fresh {
                keys[sender as usize].extend(step.injected_keys.iter().cloned());
            }
            record(&mut digest, &message);
            let letter = if sender == Party::Alice { "A" } else { "B" };
            actions.push(format!("{letter}{}", if fresh { "+" } else { "" }));
            sent.push((sender, message, kind));
            in_flight.push(index);
        } else {
            // Mostly in order (the oldest few), so that the 40 keys kept per chain and the 5
            // kept chains cover every late message.
            let pick = rng.below(in_flight.len().min(4));
            let index = in_flight.remove(pick);
            if rng.below(50) == 0 && bob_exists {
                continue;
            }
            let (from, message, kind) = sent[index].clone();
            let to = if from == Party::Alice {
                Party::Bob
            } else {
                Party::Alice
            };
            let plain = if to == Party::Bob && !bob_exists {
                bob_exists = true;
                t.create_inbound(&message).ok()?
            } else {
                t.deliver(to, &message, kind).ok()?
            };
            let step = t.steps.last()?;
            if step.action == OlmAction::CreateInbound && step.result != Outcome::Valid {
                return None;
            }
            record(&mut digest, &plain);
            let letter = if to == Party::Alice { 'a' } else { 'b' };
            let suffix = if kind == MessageKind::PreKey { "p" } else { "" };
            actions.push(format!("{letter}{index}{suffix}"));
        }
        if actions.len().is_multiple_of(1000) {
            checkpoints.push(Checkpoint {
                after_actions: actions.len(),
                sha256: Hex(digest.clone().finalize().to_vec()),
            });
        }
        t.steps.clear();
    }
    let [alice_keys, bob_keys] = keys;
    let (alice_state, bob_state) = t.states();
    Some(OlmSessionLongTest {
        tc_id: 0,
        comment: format!("{messages} messages, random direction changes, reordering and loss"),
        flags: vec!["LongConversation".into()],
        setup: t.setup,
        message_count: messages,
        actions: actions.join(" "),
        alice_keys,
        bob_keys,
        sha256: Hex(digest.finalize().to_vec()),
        checkpoints,
        alice_state,
        bob_state,
        result: Outcome::Valid,
        error: None,
    })
}

impl KindSpec for OlmSessionLongKind {
    const NAME: &'static str = "olm_session_long";
    type Test = OlmSessionLongTest;

    /// Olm's message format and its triple DH start.
    fn applies_to(profile: &Profile) -> bool {
        matches!(profile.wire, MessageFormat::Olm(_))
            && matches!(profile.key_agreement, KeyAgreement::TripleDh { .. })
    }

    fn header() -> Vec<String> {
        vec![
            "A long Olm conversation from setup (as in olm_session). Replay the actions, inject keys where an encrypt is marked +, hash every output as described, compare the checkpoints and the final digest, then both final states.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[(
            "LongConversation",
            note("Functionality", "Thousands of root steps with reordering and loss: catches state drift that short transcripts miss.", "olm.md, Advancing the chain key; Creating a message key; Sending normal messages; Receiving messages"),
        )])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<OlmSessionLongTest>> {
        vec![TestGroup {
            group_type: "OlmSessionLongTest".into(),
            comment: "long conversations".into(),
            tests: conversation(profile, rng, 10_000).into_iter().collect(),
        }]
    }

    fn checks(test: &OlmSessionLongTest, caps: &Capabilities) -> Result<Vec<Check>, String> {
        if !caps.inject_keys {
            return Err(
                "byte-exact transcripts need injected keys (hello: injectKeys false)".into(),
            );
        }
        let setup = &test.setup;
        let alice = format!("tc{}-alice", test.tc_id);
        let bob = format!("tc{}-bob", test.tc_id);
        let mut checks = vec![Check::new(
            "outbound session (Alice)",
            "session_create",
            json!({
                "session": alice, "role": "initiator",
                "identityPrivate": setup.alice_identity_private,
                "peerIdentityKey": setup.bob_identity_public,
                "peerOneTimeKey": setup.bob_one_time_public,
                "keys": [setup.alice_base_key_private, setup.alice_ratchet_private],
            }),
            Expect::Ok(vec![(
                "/ratchetPublic".into(),
                json!(setup.alice_ratchet_public),
            )]),
        )];
        let mut encrypt_check: Vec<usize> = Vec::new();
        let mut next_key = [0usize, 0usize];
        let mut bob_created = false;
        let mut checkpoints = test.checkpoints.iter().peekable();
        for (n, action) in test.actions.split(' ').enumerate() {
            let bad = || format!("action {n}: {action:?} is not an action");
            let label = format!("action {n} ({action})");
            let (head, rest) = action.split_at(action.len().min(1));
            match head {
                "A" | "B" => {
                    let (session, who, list) = if head == "A" {
                        (&alice, 0, &test.alice_keys)
                    } else {
                        (&bob, 1, &test.bob_keys)
                    };
                    let mut keys = Vec::new();
                    match rest {
                        "" => {}
                        "+" => {
                            keys.push(
                                list.get(next_key[who])
                                    .ok_or_else(|| format!("action {n}: the key list ran out"))?
                                    .clone(),
                            );
                            next_key[who] += 1;
                        }
                        _ => return Err(bad()),
                    }
                    let index = encrypt_check.len();
                    encrypt_check.push(checks.len());
                    let mut check = Check::new(
                        label,
                        "session_encrypt",
                        json!({"session": session, "plaintext": Hex(plaintext(index)), "keys": keys}),
                        Expect::Ok(Vec::new()),
                    );
                    check.record = Some("/message".into());
                    checks.push(check);
                }
                "a" | "b" => {
                    let prekey = rest.ends_with('p');
                    let index: usize = rest.trim_end_matches('p').parse().map_err(|_| bad())?;
                    let from = *encrypt_check
                        .get(index)
                        .ok_or_else(|| format!("action {n}: message {index} was not sent yet"))?;
                    let expect =
                        Expect::Ok(vec![("/plaintext".into(), json!(Hex(plaintext(index))))]);
                    let mut check = if head == "b" && !bob_created {
                        bob_created = true;
                        Check::new(
                            label,
                            "session_create",
                            json!({"session": bob, "role": "responder",
                                "identityPrivate": setup.bob_identity_private,
                                "oneTimePrivate": setup.bob_one_time_private}),
                            expect,
                        )
                    } else {
                        let session = if head == "a" { &alice } else { &bob };
                        let kind = if prekey { "prekey" } else { "normal" };
                        Check::new(
                            label,
                            "session_decrypt",
                            json!({"session": session, "type": kind}),
                            expect,
                        )
                    };
                    check.message_from = Some(from);
                    check.record = Some("/plaintext".into());
                    checks.push(check);
                }
                _ => return Err(bad()),
            }
            if let Some(cp) = checkpoints.peek() {
                if cp.after_actions == n + 1 {
                    checks.push(Check::digest(
                        format!("digest after {} actions", n + 1),
                        &hex::encode(&cp.sha256.0),
                    ));
                    checkpoints.next();
                }
            }
        }
        checks.push(Check::digest("final digest", &hex::encode(&test.sha256.0)));
        checks.push(olm_state_check("final".into(), &alice, &test.alice_state));
        if let Some(state) = &test.bob_state {
            checks.push(olm_state_check("final".into(), &bob, state));
        }
        for name in [alice, bob] {
            checks.push(
                Check::new(
                    "close",
                    "session_close",
                    json!({ "session": name }),
                    Expect::Ok(Vec::new()),
                )
                .optional(),
            );
        }
        Ok(checks)
    }
}
