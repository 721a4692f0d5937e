//! `olm_session`: Olm sessions end to end (olm.md, "The Olm Protocol"): the triple DH key
//! agreement, pre-key messages until the first reply, the lazy sender ratchet, kept receiving
//! chains, the message gap, the stored-key cap, tampering and replays, with every injected key
//! and the acting party's Olm state after every step.

use std::collections::BTreeMap;

use ratchet_ref::primitives::olm_message::OlmMessage;
use ratchet_ref::profile::MessageFormat;
use ratchet_ref::session::MessageKind;
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};

use super::olm_transcript::{checks, OlmSetup, OlmStep, OlmTranscript};
use super::transcript::Party;
use super::{note, notes, test_case, KindSpec};
use crate::driver::Capabilities;
use crate::vectors::replay::Check;
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmSessionTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub setup: OlmSetup,
    pub steps: Vec<OlmStep>,
    /// Invalid when some step must fail; `error` is the first such step's error.
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(OlmSessionTest);

pub struct OlmSessionKind;

use MessageKind::{Normal, PreKey};
use Party::{Alice, Bob};

fn finish(t: OlmTranscript, comment: &str, flags: &[&str]) -> OlmSessionTest {
    let (result, error) = t.outcome();
    OlmSessionTest {
        tc_id: 0,
        comment: comment.to_string(),
        flags: flags.iter().map(|f| f.to_string()).collect(),
        setup: t.setup,
        steps: t.steps,
        result,
        error,
    }
}

fn text(i: usize) -> Vec<u8> {
    format!("olm message {i}").into_bytes()
}

/// The message with its last (MAC) bit flipped; for a pre-key message, the embedded
/// message's MAC.
fn flip_mac(message: &[u8]) -> Vec<u8> {
    let mut m = message.to_vec();
    if let Some(last) = m.last_mut() {
        *last ^= 0x01;
    }
    m
}

/// The message with its chain index rewritten (fields re-encoded, ciphertext and MAC kept):
/// a forgery naming another message key.
fn with_chain_index(message: &[u8], index: u64) -> Option<Vec<u8>> {
    let parsed =
        OlmMessage::parse(message, message.first().copied()?, 8, u64::from(u32::MAX)).ok()?;
    let mut out = Vec::new();
    OlmMessage::encode_prefix(
        message[0],
        &parsed.ratchet_key,
        index,
        parsed.ciphertext.len(),
        &mut out,
    );
    out.extend_from_slice(parsed.ciphertext);
    out.extend_from_slice(parsed.mac);
    Some(out)
}

/// For each receiver, on its peer's current chain and on an older chain kept after a ratchet
/// step: the receiver holds the keys of messages 0..3 (message 3 arrived); a forgery of
/// message 1 (MAC flipped, or its index rewritten to 0, naming another stored key) must fail
/// and leave every key, so messages 1, 0 and 2 still decrypt.
fn forged_stored_keys(profile: &Profile, rng: &mut VectorRng) -> Vec<OlmSessionTest> {
    let mut tests = Vec::new();
    for receiver in [Bob, Alice] {
        let sender = if receiver == Bob { Alice } else { Bob };
        for older_chain in [false, true] {
            for what in ["mac", "index to a stored key"] {
                let Ok(mut t) = OlmTranscript::random(*profile, rng) else {
                    continue;
                };
                t.establish(rng);
                let ms: Vec<Vec<u8>> = (0..4).map(|i| t.send(rng, sender, &text(i)).0).collect();
                let _ = t.deliver(receiver, &ms[3], Normal);
                if older_chain {
                    let (r, _) = t.send(rng, receiver, b"reply");
                    let _ = t.deliver(sender, &r, Normal);
                    let (next, _) = t.send(rng, sender, b"next chain");
                    let _ = t.deliver(receiver, &next, Normal);
                }
                let forged = match what {
                    "mac" => Some(flip_mac(&ms[1])),
                    _ => OlmMessage::parse(&ms[1], ms[1][0], 8, u64::from(u32::MAX))
                        .ok()
                        .and_then(|m| with_chain_index(&ms[1], m.chain_index ^ 1)),
                };
                let Some(forged) = forged else { continue };
                let _ = t.deliver(receiver, &forged, Normal);
                for i in [1usize, 0, 2] {
                    let _ = t.deliver(receiver, &ms[i], Normal);
                }
                let chain = if older_chain {
                    "an older chain kept after a ratchet step"
                } else {
                    "the current chain"
                };
                tests.push(finish(
                    t,
                    &format!(
                        "{} gets a forgery ({what}) of a late message whose key is stored, on {chain}; the genuine one still decrypts",
                        receiver.name()
                    ),
                    &["ForgedStoredKey", "Tampered"],
                ));
            }
        }
    }
    tests
}

type Scenario = fn(&Profile, &mut VectorRng) -> ratchet_ref::Result<OlmSessionTest>;

fn scenarios() -> Vec<Scenario> {
    vec![
        |p, rng| {
            let mut t = OlmTranscript::random(*p, rng)?;
            let (m0, _) = t.send(rng, Alice, b"first");
            let (m1, _) = t.send(rng, Alice, b"second");
            let _ = t.create_inbound(&m0);
            let _ = t.deliver(Bob, &m1, PreKey);
            let (r0, _) = t.send(rng, Bob, b"reply");
            let _ = t.deliver(Alice, &r0, Normal);
            let (m2, _) = t.send(rng, Alice, b"normal now");
            let _ = t.deliver(Bob, &m2, Normal);
            let (r1, _) = t.send(rng, Bob, b"second reply");
            let _ = t.deliver(Alice, &r1, Normal);
            Ok(finish(t, "pre-key messages until the first reply, then normal messages and a ratchet step each way", &["PreKeyUntilReply", "LazySenderRatchet"]))
        },
        |p, rng| {
            let mut t = OlmTranscript::random(*p, rng)?;
            let sent: Vec<Vec<u8>> = (0..3).map(|i| t.send(rng, Alice, &text(i)).0).collect();
            let _ = t.create_inbound(&sent[2]);
            let _ = t.deliver(Bob, &sent[0], PreKey);
            let _ = t.deliver(Bob, &sent[1], PreKey);
            let _ = t.deliver(Bob, &sent[0], PreKey);
            Ok(finish(t, "Bob's session from Alice's third pre-key message; the first two arrive later; a replay", &["PreKeyUntilReply", "OutOfOrder", "Replay"]))
        },
        |p, rng| {
            let mut t = OlmTranscript::random(*p, rng)?;
            t.establish(rng);
            let sent: Vec<Vec<u8>> = (0..5).map(|i| t.send(rng, Alice, &text(i)).0).collect();
            for i in [4, 1, 3, 1, 0, 2, 4] {
                let _ = t.deliver(Bob, &sent[i], Normal);
            }
            Ok(finish(
                t,
                "out of order on one chain, with replays of a stored and a used key",
                &["OutOfOrder", "Replay"],
            ))
        },
        |p, rng| {
            let mut t = OlmTranscript::random(*p, rng)?;
            let chain0: Vec<Vec<u8>> = (0..3).map(|i| t.send(rng, Alice, &text(i)).0).collect();
            let _ = t.create_inbound(&chain0[0]);
            let (r0, _) = t.send(rng, Bob, b"reply");
            let _ = t.deliver(Alice, &r0, Normal);
            let (m, _) = t.send(rng, Alice, b"on a new chain");
            let _ = t.deliver(Bob, &m, Normal);
            let _ = t.deliver(Bob, &chain0[2], PreKey);
            let _ = t.deliver(Bob, &chain0[1], PreKey);
            Ok(finish(t, "late messages on an older receiving chain: the kept chain advances past its stored keys", &["KeptReceivingChain", "OutOfOrder"]))
        },
        |p, rng| {
            let mut t = OlmTranscript::random(*p, rng)?;
            let first = t.send(rng, Alice, b"kept back").0;
            let (m0, _) = t.send(rng, Alice, b"hello");
            let _ = t.create_inbound(&m0);
            for round in 0..6 {
                let (r, _) = t.send(rng, Bob, &text(round));
                let _ = t.deliver(Alice, &r, Normal);
                let (m, _) = t.send(rng, Alice, &text(100 + round));
                let _ = t.deliver(Bob, &m, Normal);
            }
            let _ = t.deliver(Bob, &first, PreKey);
            Ok(finish(t, "a message whose key was stored on the first chain, after six newer receiving chains", &["ReceivingChainLimit"]))
        },
        |p, rng| {
            let mut t = OlmTranscript::random(*p, rng)?;
            let first = t.send(rng, Alice, b"kept back").0;
            let (m0, _) = t.send(rng, Alice, b"hello");
            let _ = t.create_inbound(&m0);
            let (r, _) = t.send(rng, Bob, b"reply");
            let _ = t.deliver(Alice, &r, Normal);
            for round in 0..6 {
                let (m, _) = t.send(rng, Alice, &text(100 + round));
                let _ = t.deliver(Bob, &m, Normal);
                let (r, _) = t.send(rng, Bob, &text(round));
                let _ = t.deliver(Alice, &r, Normal);
            }
            let _ = t.deliver(Bob, &first, PreKey);
            Ok(finish(
                t,
                "the same, with Bob holding a sending chain when the old message arrives",
                &["ReceivingChainLimit"],
            ))
        },
    ]
}

/// A message whose chain index is `n` steps past the receiver's, on an existing chain
/// (Alice → Bob) or on a new chain (Bob → Alice).
fn gap(
    p: &Profile,
    rng: &mut VectorRng,
    skipped: u32,
    new_chain: bool,
) -> ratchet_ref::Result<OlmSessionTest> {
    let mut t = OlmTranscript::random(*p, rng)?;
    t.establish(rng);
    let (from, to) = if new_chain {
        (Bob, Alice)
    } else {
        (Alice, Bob)
    };
    if new_chain {
        // Alice's reply makes Bob's next send start a new chain.
        let (m, _) = t.send(rng, Alice, b"to make Bob ratchet");
        let _ = t.deliver(Bob, &m, Normal);
        let (first, _) = t.send(rng, Bob, b"first on the new chain, lost");
        let _ = first;
        t.send_lost(from, skipped - 1, b"lost");
    } else {
        // Alice's next chain, known to Bob, then the gap on it.
        let (m, _) = t.send(rng, Alice, b"opens Alice's next chain");
        let _ = t.deliver(Bob, &m, Normal);
        t.send_lost(from, skipped, b"lost");
    }
    let (m, _) = t.send(rng, from, b"after the gap");
    let _ = t.deliver(to, &m, Normal);
    let (m, _) = t.send(rng, from, b"the next one");
    let _ = t.deliver(to, &m, Normal);
    let chain = if new_chain {
        "a new chain"
    } else {
        "an existing chain"
    };
    let verdict = if skipped <= p.limits.max_skip {
        "accepted"
    } else {
        "refused"
    };
    Ok(finish(
        t,
        &format!("a message {skipped} keys past the receiver's chain index on {chain} ({verdict}; the gap limit is {})", p.limits.max_skip),
        &["MessageGap"],
    ))
}

impl KindSpec for OlmSessionKind {
    const NAME: &'static str = "olm_session";
    type Test = OlmSessionTest;

    /// Olm's message format (pre-key messages, no PN) and its triple DH start.
    fn applies_to(profile: &Profile) -> bool {
        matches!(profile.wire, MessageFormat::Olm(_))
            && matches!(
                profile.key_agreement,
                ratchet_ref::profile::KeyAgreement::TripleDh { .. }
            )
    }

    fn header() -> Vec<String> {
        vec![
            "Olm sessions end to end: session_create (initiator) from I_A, I_B, E_B and the injected E_A, T0; session_create (responder) from I_B, E_B and a pre-key message; then session_encrypt / session_decrypt with each message's type (prekey or normal).".into(),
            "An encrypt that starts a new sending chain draws its ratchet key from injectedKeys. Alice sends pre-key messages until she has received one. After each step the acting party's state (rootKey, senderChain, receiverChains and skippedKeys, newest first) is given; a failed step leaves it unchanged.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("ForgedStoredKey", note("MissingCheck", "A forged message (its MAC flipped, or its chain index rewritten to name another stored key) names a message key in the store: it fails authentication and the key stays, so the genuine late message still decrypts. On the current chain and on an older chain kept after a ratchet step, in both roles.", "olm.md, Receiving messages; DR §3.5")),
            ("PreKeyUntilReply", note("Functionality", "Alice wraps every message in a pre-key message until she has received one; Bob creates his session from any of them and decrypts the others as pre-key messages to it.", "olm.md, Sending the first pre-key messages")),
            ("LazySenderRatchet", note("Functionality", "A new receiving chain drops the sending chain; the next send draws a new ratchet key and advances the root key.", "olm.md, Sending normal messages; Receiving messages; DR §6.5")),
            ("OutOfOrder", note("Functionality", "Messages arrive out of order; skipped message keys are stored.", "olm.md, Receiving messages")),
            ("Replay", note("MissingCheck", "A message delivered again must be refused: its key was used and deleted.", "olm.md, Receiving messages")),
            ("KeptReceivingChain", note("Functionality", "Olm messages carry no PN, so an older receiving chain stays and a late message on it advances it beyond the keys stored for it.", "olm.md, Receiving messages")),
            ("ReceivingChainLimit", note("EdgeCase", "Only the newest receiving chains are kept (the profile's receivingChains.max); a message on a dropped chain cannot be decrypted.", "profile limits (olm.md sets none)")),
            ("MessageGap", note("EdgeCase", "A message whose chain index is more than the gap limit (limits.maxSkip) past the receiving chain is refused (too_many_skipped) and changes nothing; exactly the limit is accepted.", "profile limits (olm.md sets none)")),
            ("StoredKeyCap", note("EdgeCase", "At most limits.maxStoredKeys skipped keys are kept per receiving chain, the oldest evicted first; a message whose key was evicted is refused.", "profile limits (olm.md sets none)")),
            ("Tampered", note("ModifiedInput", "A message with a flipped MAC bit or a wrong version byte is refused and changes nothing; the genuine message still decrypts.", "olm.md, The Olm Message Format")),
            ("NoSendingChain", note("MissingCheck", "A message on a ratchet key never seen arrives while the receiver has no sending chain: no genuine peer can have made it (it has not received our current chain). It is refused and changes nothing.", "olm.md, Receiving messages")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<OlmSessionTest>> {
        let mut basic = Vec::new();
        for scenario in scenarios() {
            if let Ok(test) = scenario(profile, rng) {
                basic.push(test);
            }
        }
        let mut limits = Vec::new();
        let max = profile.limits.max_skip;
        for new_chain in [false, true] {
            for skipped in [max, max + 1] {
                if let Ok(test) = gap(profile, rng, skipped, new_chain) {
                    limits.push(test);
                }
            }
        }
        if let Ok(mut t) = OlmTranscript::random(*profile, rng) {
            t.establish(rng);
            let cap = profile.limits.max_stored_keys;
            let sent: Vec<Vec<u8>> = (0..cap + 3)
                .map(|i| t.send(rng, Alice, &text(i)).0)
                .collect();
            let _ = t.deliver(Bob, &sent[cap + 2], Normal);
            for i in [0, 1, 2, 3, cap + 1] {
                let _ = t.deliver(Bob, &sent[i], Normal);
            }
            limits.push(finish(
                t,
                &format!(
                    "{} keys skipped on one chain: the oldest beyond the cap of {cap} are evicted",
                    cap + 2
                ),
                &["StoredKeyCap", "OutOfOrder"],
            ));
        }
        let mut tampered = Vec::new();
        for what in ["mac", "version"] {
            for on_prekey in [false, true] {
                let Ok(mut t) = OlmTranscript::random(*profile, rng) else {
                    continue;
                };
                if on_prekey {
                    let (m0, _) = t.send(rng, Alice, b"first");
                    let _ = t.create_inbound(&m0);
                    let (m1, _) = t.send(rng, Alice, b"second, pre-key");
                    let bad = match what {
                        "mac" => flip_mac(&m1),
                        _ => {
                            let mut m = m1.clone();
                            m[0] ^= 0x07;
                            m
                        }
                    };
                    let _ = t.deliver(Bob, &bad, PreKey);
                    let _ = t.deliver(Bob, &m1, PreKey);
                } else {
                    t.establish(rng);
                    let (m, _) = t.send(rng, Alice, b"genuine");
                    let bad = match what {
                        "mac" => flip_mac(&m),
                        _ => {
                            let mut b = m.clone();
                            b[0] = 0x04;
                            b
                        }
                    };
                    let _ = t.deliver(Bob, &bad, Normal);
                    let _ = t.deliver(Bob, &m, Normal);
                }
                let on = if on_prekey {
                    "a pre-key message (outer byte for the version)"
                } else {
                    "a normal message"
                };
                tampered.push(finish(
                    t,
                    &format!("tampered {what} of {on}, then the genuine message"),
                    &["Tampered"],
                ));
            }
        }
        if let Ok(mut t) = OlmTranscript::random(*profile, rng) {
            // Bob has just created his session: no sending chain. A message on a foreign
            // ratchet key (a forgery: it carries a random MAC) must change nothing.
            let (m0, _) = t.send(rng, Alice, b"hello");
            let _ = t.create_inbound(&m0);
            let foreign = ratchet_ref::primitives::generate_dh_from_bytes(rng.key()).public;
            let mut forged = Vec::new();
            OlmMessage::encode_prefix(0x03, &foreign, 0, 16, &mut forged);
            forged.extend_from_slice(&rng.bytes(16 + 8));
            let _ = t.deliver_allowing(Bob, &forged, Normal, &[ErrorKind::AuthFailed]);
            let (r, _) = t.send(rng, Bob, b"reply");
            let _ = t.deliver(Alice, &r, Normal);
            tampered.push(finish(
                t,
                "a forged message on a foreign ratchet key while Bob has no sending chain",
                &["NoSendingChain"],
            ));
        }
        vec![
            TestGroup {
                group_type: "OlmSessionTest".into(),
                comment: "sessions end to end".into(),
                tests: basic,
            },
            TestGroup {
                group_type: "OlmSessionTest".into(),
                comment: "the message gap and the stored-key cap".into(),
                tests: limits,
            },
            TestGroup {
                group_type: "OlmSessionTest".into(),
                comment: "tampered and forged messages".into(),
                tests: tampered,
            },
            TestGroup {
                group_type: "OlmSessionTest".into(),
                comment: "forgeries naming a stored key, then the genuine late message".into(),
                tests: forged_stored_keys(profile, rng),
            },
        ]
    }

    fn checks(test: &OlmSessionTest, caps: &Capabilities) -> Result<Vec<Check>, String> {
        checks(test.tc_id, &test.setup, &test.steps, caps)
    }
}
