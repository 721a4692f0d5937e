//! `session_long`: a conversation of at least 10,000 messages with random direction changes,
//! reordering and loss, stored compactly: the actions, the injected keys, and a running
//! SHA-256 over every output (with checkpoints to find the first departure) instead of
//! every byte.

use std::collections::BTreeMap;

use ratchet_ref::{ErrorKind, Profile, SessionSnapshot};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::transcript::{
    session_names, setup_checks, state_check, Action, Party, SessionSetup, Transcript,
};
use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

/// Running digest after a number of actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Checkpoint {
    pub after_actions: usize,
    pub sha256: Hex,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionLongTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub setup: SessionSetup,
    /// Associated data of every message.
    pub ad: Hex,
    pub message_count: usize,
    /// Space-separated actions. `A` / `B`: Alice / Bob encrypts the next message (messages
    /// are numbered 0, 1, 2, ... in sending order; message i's plaintext is the ASCII text
    /// `message i`). `a17` / `b17`: Alice / Bob decrypts message 17; a trailing `+` means
    /// its header carries a new ratchet key, so the receiver's next key from its key list
    /// is injected for the DH ratchet step. Messages never decrypted were lost.
    pub actions: String,
    pub alice_keys: Vec<Hex>,
    pub bob_keys: Vec<Hex>,
    /// SHA-256 over, for every action in order, the output (the message for an encrypt, the
    /// plaintext for a decrypt), each prefixed by its length as u32 big-endian.
    pub sha256: Hex,
    pub checkpoints: Vec<Checkpoint>,
    pub alice_state: SessionSnapshot,
    pub bob_state: SessionSnapshot,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(SessionLongTest);

pub struct SessionLongKind;

/// Most actions one test may hold (the generated one has about 20,000): a crafted file
/// cannot make the harness plan an unbounded number of requests.
pub const MAX_ACTIONS: usize = 100_000;

/// Plaintext of message `i`.
pub fn plaintext(i: usize) -> Vec<u8> {
    format!("message {i}").into_bytes()
}

fn conversation(
    profile: &Profile,
    rng: &mut VectorRng,
    messages: usize,
    comment: String,
) -> Option<SessionLongTest> {
    let ad = rng.bytes(66);
    let mut t = Transcript::random(*profile, rng).ok()?;
    let mut actions: Vec<String> = Vec::new();
    let mut keys: [Vec<Hex>; 2] = [Vec::new(), Vec::new()];
    let mut digest = Sha256::new();
    let mut checkpoints = Vec::new();
    let mut sent: Vec<(Party, Vec<u8>)> = Vec::new();
    let mut in_flight: Vec<usize> = Vec::new();
    let mut sender = Party::Alice;
    let mut bob_has_received = false;
    let record = |digest: &mut Sha256, bytes: &[u8]| {
        digest.update((bytes.len() as u32).to_be_bytes());
        digest.update(bytes);
    };
    while sent.len() < messages || !in_flight.is_empty() {
        let send = sent.len() < messages && (in_flight.is_empty() || rng.below(2) == 0);
        if send {
            if bob_has_received && rng.below(4) == 0 {
                sender = if sender == Party::Alice {
                    Party::Bob
                } else {
                    Party::Alice
                };
            }
            let index = sent.len();
            let message = t.send(sender, &plaintext(index), &ad);
            record(&mut digest, &message);
            actions.push(if sender == Party::Alice {
                "A".into()
            } else {
                "B".into()
            });
            sent.push((sender, message));
            in_flight.push(index);
        } else {
            // Deliver one of the oldest few in flight: local reordering; 1 in 50 is lost.
            let pick = rng.below(in_flight.len().min(6));
            let index = in_flight.remove(pick);
            if rng.below(50) == 0 {
                continue;
            }
            let (from, message) = sent[index].clone();
            let to = if from == Party::Alice {
                Party::Bob
            } else {
                Party::Alice
            };
            let plain = t.deliver(rng, to, &message, &ad).ok()?;
            record(&mut digest, &plain);
            let step = t.steps.last()?;
            let fresh = step.action == Action::Decrypt && !step.injected_keys.is_empty();
            if fresh {
                keys[to as usize].extend(step.injected_keys.iter().cloned());
            }
            let letter = if to == Party::Alice { 'a' } else { 'b' };
            actions.push(format!("{letter}{index}{}", if fresh { "+" } else { "" }));
            if to == Party::Bob {
                bob_has_received = true;
            }
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
    Some(SessionLongTest {
        tc_id: 0,
        comment,
        flags: vec!["LongConversation".into()],
        alice_state: t.state(Party::Alice),
        bob_state: t.state(Party::Bob),
        setup: t.setup,
        ad: Hex(ad),
        message_count: messages,
        actions: actions.join(" "),
        alice_keys,
        bob_keys,
        sha256: Hex(digest.finalize().to_vec()),
        checkpoints,
        result: Outcome::Valid,
        error: None,
    })
}

impl KindSpec for SessionLongKind {
    const NAME: &'static str = "session_long";
    type Test = SessionLongTest;

    /// Shaped by the fixed header, X3DH or the DR-spec state snapshot.
    fn applies_to(profile: &Profile) -> bool {
        profile.fixed_header().is_some() && profile.x3dh().is_some()
    }

    fn header() -> Vec<String> {
        vec![
            "A long conversation from setup (as in the session kind). Replay the actions, inject keys as the actions say, hash every output as described, and compare the checkpoints and the final digest; then compare both final states.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[(
            "LongConversation",
            note("Functionality", "Thousands of DH ratchet steps with reordering and loss: catches state drift that short transcripts miss.", "DR §3.4, §3.5"),
        )])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<SessionLongTest>> {
        let tests = conversation(
            profile,
            rng,
            10_000,
            "10,000 messages, random direction changes, reordering and loss".into(),
        )
        .into_iter()
        .collect();
        vec![TestGroup {
            group_type: "SessionLongTest".into(),
            comment: "long conversations".into(),
            tests,
        }]
    }

    fn checks(test: &SessionLongTest, caps: &Capabilities) -> Result<Vec<Check>, String> {
        if !caps.inject_keys {
            return Err(
                "byte-exact transcripts need injected keys (hello: injectKeys false)".into(),
            );
        }
        let (alice, bob) = session_names(test.tc_id);
        let mut checks = setup_checks(test.tc_id, &test.setup);
        let mut encrypt_check: Vec<usize> = Vec::new();
        let mut next_key = [0usize, 0usize];
        let mut checkpoints = test.checkpoints.iter().peekable();
        for (n, action) in test.actions.split(' ').enumerate() {
            if n >= MAX_ACTIONS {
                return Err(format!(
                    "more than {MAX_ACTIONS} actions: too long to replay"
                ));
            }
            let label = format!(
                "action {n} ({})",
                crate::driver::bounded_text::bounded(
                    action,
                    crate::driver::bounded_text::MAX_VALUE
                )
            );
            match action {
                "A" | "B" => {
                    let session = if action == "A" { &alice } else { &bob };
                    let index = encrypt_check.len();
                    encrypt_check.push(checks.len());
                    let mut check = Check::new(
                        label,
                        "session_encrypt",
                        json!({"session": session, "plaintext": Hex(plaintext(index)), "ad": test.ad}),
                        Expect::Ok(Vec::new()),
                    );
                    check.record = Some("/message".into());
                    checks.push(check);
                }
                _ => {
                    // Split on a character, not a byte: a crafted token may be empty or
                    // start with a multi-byte character.
                    let mut chars = action.chars();
                    let party = chars.next().map(String::from).unwrap_or_default();
                    let rest = chars.as_str();
                    if rest.is_empty() {
                        return Err(format!("action {n}: {action:?} is not an action"));
                    }
                    let fresh = rest.ends_with('+');
                    let index: usize = rest
                        .trim_end_matches('+')
                        .parse()
                        .map_err(|_| format!("action {n}: {action:?} is not an action"))?;
                    let (session, who, key_list) = match party.as_str() {
                        "a" => (&alice, 0, &test.alice_keys),
                        "b" => (&bob, 1, &test.bob_keys),
                        _ => return Err(format!("action {n}: {action:?} is not an action")),
                    };
                    let mut keys = Vec::new();
                    if fresh {
                        keys.push(
                            key_list
                                .get(next_key[who])
                                .ok_or_else(|| format!("action {n}: the key list ran out"))?
                                .clone(),
                        );
                        next_key[who] += 1;
                    }
                    let from = *encrypt_check
                        .get(index)
                        .ok_or_else(|| format!("action {n}: message {index} was not sent yet"))?;
                    let mut check = Check::new(
                        label,
                        "session_decrypt",
                        json!({"session": session, "ad": test.ad, "keys": keys}),
                        Expect::Ok(vec![("/plaintext".into(), json!(Hex(plaintext(index))))]),
                    );
                    check.message_from = Some(from);
                    check.record = Some("/plaintext".into());
                    checks.push(check);
                }
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
        checks.push(state_check("final".into(), &alice, &test.alice_state));
        checks.push(state_check("final".into(), &bob, &test.bob_state));
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
