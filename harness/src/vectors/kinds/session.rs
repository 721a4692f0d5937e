//! `session`: stateful Double Ratchet transcripts (DR spec section 3) from a shared SK, with
//! every injected key and the acting party's state after every step: ordering, loss, skip
//! limits, duplicates, tampering and eviction.

use std::collections::BTreeMap;

use ratchet_ref::primitives::Header;
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};

use super::transcript::{setup_checks, step_checks, Party, SessionSetup, Step, Transcript};
use super::{note, notes, test_case, KindSpec};
use crate::driver::Capabilities;
use crate::vectors::replay::Check;
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub setup: SessionSetup,
    pub steps: Vec<Step>,
    /// Invalid when some step must fail; `error` is the first such step's error.
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(SessionTest);

pub struct SessionKind;

use Party::{Alice, Bob};

fn finish(t: Transcript, comment: &str, flags: &[&str]) -> SessionTest {
    let (result, error) = t.outcome();
    SessionTest {
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
    format!("message {i}").into_bytes()
}

/// Alice sends `n` messages; returns them.
fn burst(t: &mut Transcript, party: Party, n: usize, ad: &[u8]) -> Vec<Vec<u8>> {
    (0..n).map(|i| t.send(party, &text(i), ad)).collect()
}

fn tamper(message: &[u8], what: &str) -> Vec<u8> {
    let mut m = message.to_vec();
    match what {
        "header dh" => m[7] ^= 0x01,
        "header pn" => m[35] ^= 0x01,
        "header n" => m[38] ^= 0x01,
        // n = 1 becomes 0: the header names another key (held in the store, in the tests
        // that use it).
        "header n to a stored key" => m[39] ^= 0x01,
        "ciphertext" => m[Header::LEN + 1] ^= 0x01,
        _ => {
            let last = m.len() - 1;
            m[last] ^= 0x01
        }
    }
    m
}

type Scenario = fn(&Profile, &mut VectorRng) -> ratchet_ref::Result<SessionTest>;

/// MAX_SKIP on the current chain (Alice receiving) and on a new chain (Bob receiving);
/// MAX_SKIP + 1 through PN (Alice receiving); MAX_SKIP through PN and MAX_SKIP on the new
/// chain in one message (a bound per chain, not on the sum), which fills the store exactly to
/// its cap; and the cap passed by one (Alice receiving): exactly the oldest key is evicted.
fn limits(p: &Profile, rng: &mut VectorRng) -> Vec<SessionTest> {
    let max = p.limits.max_skip;
    let mut tests = Vec::new();
    let mut add = |test: ratchet_ref::Result<SessionTest>| {
        if let Ok(test) = test {
            tests.push(test);
        }
    };
    add((|| {
        let ad = rng.bytes(66);
        let mut t = Transcript::random(*p, rng)?;
        let m0 = t.send(Alice, b"first", &ad);
        let _ = t.deliver(rng, Bob, &m0, &ad);
        t.send_lost(Bob, max, b"lost", &ad);
        let at_limit = t.send(Bob, b"at the limit", &ad);
        let beyond = t.send(Bob, b"one beyond", &ad);
        let _ = t.deliver(rng, Alice, &beyond, &ad);
        let _ = t.deliver(rng, Alice, &at_limit, &ad);
        let _ = t.deliver(rng, Alice, &beyond, &ad);
        Ok(finish(t, "MAX_SKIP in alice's current chain: MAX_SKIP + 1 skips rejected, exactly MAX_SKIP accepted", &["MaxSkip"]))
    })());
    add((|| {
        let ad = rng.bytes(66);
        let mut t = Transcript::random(*p, rng)?;
        let m0 = t.send(Alice, b"first", &ad);
        let _ = t.deliver(rng, Bob, &m0, &ad);
        let r = t.send(Bob, b"reply", &ad);
        let _ = t.deliver(rng, Alice, &r, &ad);
        t.send_lost(Alice, max, b"lost", &ad);
        let at_limit = t.send(Alice, b"at the limit", &ad);
        let beyond = t.send(Alice, b"one beyond", &ad);
        let _ = t.deliver(rng, Bob, &beyond, &ad);
        let _ = t.deliver(rng, Bob, &at_limit, &ad);
        let _ = t.deliver(rng, Bob, &beyond, &ad);
        Ok(finish(t, "MAX_SKIP on a new chain (bob's DH ratchet step): index MAX_SKIP + 1 rejected, index MAX_SKIP accepted", &["MaxSkip"]))
    })());
    add((|| {
        let ad = rng.bytes(66);
        let mut t = Transcript::random(*p, rng)?;
        let m0 = t.send(Alice, b"first", &ad);
        let _ = t.deliver(rng, Bob, &m0, &ad);
        let r0 = t.send(Bob, b"reply", &ad);
        let _ = t.deliver(rng, Alice, &r0, &ad);
        t.send_lost(Bob, max + 1, b"lost", &ad);
        let a = t.send(Alice, b"alice again", &ad);
        let _ = t.deliver(rng, Bob, &a, &ad);
        let next = t.send(Bob, b"next chain", &ad);
        let _ = t.deliver(rng, Alice, &next, &ad);
        Ok(finish(t, "MAX_SKIP through PN at alice: MAX_SKIP + 1 keys of the previous chain would be skipped", &["MaxSkip", "PreviousChain"]))
    })());
    add((|| {
        let ad = rng.bytes(66);
        let mut t = Transcript::random(*p, rng)?;
        let first = t.send(Alice, b"first", &ad);
        let _ = t.deliver(rng, Bob, &first, &ad);
        let kept = t.send(Alice, b"oldest skipped", &ad);
        t.send_lost(Alice, max - 1, b"lost", &ad);
        let r = t.send(Bob, b"reply", &ad);
        let _ = t.deliver(rng, Alice, &r, &ad);
        t.send_lost(Alice, max, b"lost", &ad);
        let next = t.send(Alice, b"new chain at index MAX_SKIP", &ad);
        let _ = t.deliver(rng, Bob, &next, &ad);
        let _ = t.deliver(rng, Bob, &kept, &ad);
        Ok(finish(t, "MAX_SKIP keys through PN and MAX_SKIP on the new chain in one message: MAX_SKIP bounds each chain, not the sum; the store reaches its cap exactly and keeps every key", &["MaxSkip", "PreviousChain", "Eviction"]))
    })());
    add((|| {
        let ad = rng.bytes(66);
        let mut t = Transcript::random(*p, rng)?;
        let m0 = t.send(Alice, b"first", &ad);
        let _ = t.deliver(rng, Bob, &m0, &ad);
        let oldest = [
            t.send(Bob, b"oldest", &ad),
            t.send(Bob, b"second oldest", &ad),
        ];
        t.send_lost(Bob, max - 2, b"lost", &ad);
        let end = t.send(Bob, b"chain 1 end", &ad);
        let _ = t.deliver(rng, Alice, &end, &ad);
        // Fill the store to its cap, at most MAX_SKIP keys per chain.
        let cap = u32::try_from(p.limits.max_stored_keys).unwrap_or(u32::MAX);
        let mut stored = max;
        while stored < cap {
            let skipped = max.min(cap - stored);
            let a = t.send(Alice, b"reply", &ad);
            let _ = t.deliver(rng, Bob, &a, &ad);
            t.send_lost(Bob, skipped, b"lost", &ad);
            let end = t.send(Bob, b"chain end", &ad);
            let _ = t.deliver(rng, Alice, &end, &ad);
            stored += skipped;
        }
        let a = t.send(Alice, b"reply", &ad);
        let _ = t.deliver(rng, Bob, &a, &ad);
        t.send_lost(Bob, 1, b"lost", &ad);
        let end = t.send(Bob, b"one past the cap", &ad);
        let _ = t.deliver(rng, Alice, &end, &ad);
        let _ = t.deliver_allowing(rng, Alice, &oldest[0], &ad, &[ErrorKind::Duplicate]);
        let _ = t.deliver(rng, Alice, &oldest[1], &ad);
        Ok(finish(t, "the stored-key cap passed by one at alice: exactly the oldest key is evicted, the second oldest still decrypts", &["Eviction"]))
    })());
    tests
}

/// `receiver` holds the keys of messages 0..3 of its peer's chain (message 3 arrived); with
/// `previous_chain`, a DH ratchet step follows first, so they are keys of the previous chain.
/// Then a forgery of message 1 (`what`: its tag flipped, or its header's n rewritten from 1
/// to 0, naming another stored key) must fail and leave every key in place: messages 1, 0
/// and 2 still decrypt.
fn forged_stored_key(
    p: &Profile,
    rng: &mut VectorRng,
    receiver: Party,
    previous_chain: bool,
    what: &str,
) -> ratchet_ref::Result<SessionTest> {
    let ad = rng.bytes(66);
    let mut t = Transcript::random(*p, rng)?;
    let sender = if receiver == Bob { Alice } else { Bob };
    if sender == Bob {
        let m = t.send(Alice, b"opening", &ad);
        let _ = t.deliver(rng, Bob, &m, &ad);
    }
    let ms = burst(&mut t, sender, 4, &ad);
    let _ = t.deliver(rng, receiver, &ms[3], &ad);
    if previous_chain {
        let r = t.send(receiver, b"reply", &ad);
        let _ = t.deliver(rng, sender, &r, &ad);
        let next = t.send(sender, b"next chain", &ad);
        let _ = t.deliver(rng, receiver, &next, &ad);
    }
    let _ = t.deliver(rng, receiver, &tamper(&ms[1], what), &ad);
    for i in [1usize, 0, 2] {
        let _ = t.deliver(rng, receiver, &ms[i], &ad);
    }
    let chain = if previous_chain {
        "the previous chain, after a DH ratchet step"
    } else {
        "the current chain"
    };
    Ok(finish(
        t,
        &format!(
            "{} gets a forgery ({what}) of a late message whose key is stored, on {chain}; the genuine one still decrypts",
            receiver.name()
        ),
        &["ForgedStoredKey", "Tampered"],
    ))
}

fn scenarios() -> Vec<Scenario> {
    vec![
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            for m in burst(&mut t, Alice, 8, &ad).iter() {
                let _ = t.deliver(rng, Bob, m, &ad);
            }
            Ok(finish(
                t,
                "one-way burst of 8 messages, in order",
                &["InOrder"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            for turn in 0..12 {
                let (from, to) = if turn % 2 == 0 {
                    (Alice, Bob)
                } else {
                    (Bob, Alice)
                };
                let m = t.send(from, &text(turn), &ad);
                let _ = t.deliver(rng, to, &m, &ad);
            }
            Ok(finish(
                t,
                "ping-pong, 12 turns: a DH ratchet step every message",
                &["PingPong"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let ms = burst(&mut t, Alice, 6, &ad);
            for i in [3usize, 0, 5, 1, 4, 2] {
                let _ = t.deliver(rng, Bob, &ms[i], &ad);
            }
            Ok(finish(
                t,
                "out of order within one chain: 3, 0, 5, 1, 4, 2",
                &["OutOfOrder"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let first = burst(&mut t, Alice, 4, &ad);
            let _ = t.deliver(rng, Bob, &first[0], &ad);
            let reply = t.send(Bob, b"reply", &ad);
            let _ = t.deliver(rng, Alice, &reply, &ad);
            let second = burst(&mut t, Alice, 3, &ad);
            for m in [
                &second[1], &first[3], &second[0], &first[1], &second[2], &first[2],
            ] {
                let _ = t.deliver(rng, Bob, m, &ad);
            }
            Ok(finish(
                t,
                "out of order across a DH ratchet step: the old chain's keys come from PN",
                &["OutOfOrder", "PreviousChain"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let ms = burst(&mut t, Alice, 10, &ad);
            for i in [0usize, 4, 9] {
                let _ = t.deliver(rng, Bob, &ms[i], &ad);
            }
            let reply = t.send(Bob, b"reply", &ad);
            let _ = t.deliver(rng, Alice, &reply, &ad);
            let more = burst(&mut t, Alice, 2, &ad);
            let _ = t.deliver(rng, Bob, &more[1], &ad);
            Ok(finish(
                t,
                "lost messages: 7 of 10 never arrive; their keys stay stored",
                &["Loss"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let max = p.limits.max_skip;
            t.send_lost(Alice, max, b"lost", &ad);
            let at_limit = t.send(Alice, b"at the limit", &ad);
            let beyond = t.send(Alice, b"one beyond", &ad);
            // Beyond needs MAX_SKIP + 1 skipped keys: rejected, nothing changes.
            let _ = t.deliver(rng, Bob, &beyond, &ad);
            // At the limit needs exactly MAX_SKIP: accepted; then beyond is in order.
            let _ = t.deliver(rng, Bob, &at_limit, &ad);
            let _ = t.deliver(rng, Bob, &beyond, &ad);
            Ok(finish(t, "MAX_SKIP in the current chain: MAX_SKIP + 1 skips rejected, exactly MAX_SKIP accepted", &["MaxSkip"]))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let m0 = t.send(Alice, b"first", &ad);
            let _ = t.deliver(rng, Bob, &m0, &ad);
            t.send_lost(Alice, p.limits.max_skip, b"lost", &ad);
            let reply = t.send(Bob, b"reply", &ad);
            let _ = t.deliver(rng, Alice, &reply, &ad);
            let next = t.send(Alice, b"next chain", &ad);
            let _ = t.deliver(rng, Bob, &next, &ad);
            Ok(finish(
                t,
                "MAX_SKIP through PN: exactly MAX_SKIP keys of the previous chain are skipped",
                &["MaxSkip", "PreviousChain"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let m0 = t.send(Alice, b"first", &ad);
            let _ = t.deliver(rng, Bob, &m0, &ad);
            t.send_lost(Alice, p.limits.max_skip + 1, b"lost", &ad);
            let reply = t.send(Bob, b"reply", &ad);
            let _ = t.deliver(rng, Alice, &reply, &ad);
            let next = t.send(Alice, b"next chain", &ad);
            let _ = t.deliver(rng, Bob, &next, &ad);
            Ok(finish(
                t,
                "MAX_SKIP through PN: MAX_SKIP + 1 keys of the previous chain would be skipped",
                &["MaxSkip", "PreviousChain"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let ms = burst(&mut t, Alice, 3, &ad);
            let _ = t.deliver(rng, Bob, &ms[0], &ad);
            let _ = t.deliver(rng, Bob, &ms[0], &ad);
            let _ = t.deliver(rng, Bob, &ms[2], &ad);
            let _ = t.deliver(rng, Bob, &ms[1], &ad);
            let _ = t.deliver(rng, Bob, &ms[1], &ad);
            let _ = t.deliver(rng, Bob, &ms[2], &ad);
            Ok(finish(
                t,
                "duplicates: in order, and of a skipped message after its key was used",
                &["Duplicate"],
            ))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let old = t.send(Alice, b"old chain", &ad);
            let _ = t.deliver(rng, Bob, &old, &ad);
            let reply = t.send(Bob, b"reply", &ad);
            let _ = t.deliver(rng, Alice, &reply, &ad);
            let new = t.send(Alice, b"new chain", &ad);
            let _ = t.deliver(rng, Bob, &new, &ad);
            let _ = t.deliver(rng, Bob, &old, &ad);
            Ok(finish(
                t,
                "replay of a message from an older chain after a DH ratchet step",
                &["Duplicate", "OldChainReplay"],
            ))
        },
        |p, rng| {
            // Eviction: fill the store to its cap with two chains of MAX_SKIP skipped keys,
            // then skip more: the oldest keys go first.
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let max = p.limits.max_skip;
            let kept = burst(&mut t, Alice, 12, &ad);
            t.send_lost(Alice, max - 12, b"lost", &ad);
            let a = t.send(Alice, b"chain 1 end", &ad);
            let _ = t.deliver(rng, Bob, &a, &ad);
            let r = t.send(Bob, b"reply 1", &ad);
            let _ = t.deliver(rng, Alice, &r, &ad);
            t.send_lost(Alice, max, b"lost", &ad);
            let b = t.send(Alice, b"chain 2 end", &ad);
            let _ = t.deliver(rng, Bob, &b, &ad);
            let r = t.send(Bob, b"reply 2", &ad);
            let _ = t.deliver(rng, Alice, &r, &ad);
            let extra = (p.limits.max_stored_keys as u32).saturating_sub(2 * max) + 10;
            t.send_lost(Alice, extra, b"lost", &ad);
            let c = t.send(Alice, b"chain 3", &ad);
            let _ = t.deliver(rng, Bob, &c, &ad);
            let _ = t.deliver(rng, Bob, &kept[10], &ad);
            let _ = t.deliver(rng, Bob, &kept[11], &ad);
            let _ = t.deliver_allowing(rng, Bob, &kept[0], &ad, &[ErrorKind::Duplicate]);
            Ok(finish(t, "eviction at the stored-key cap: the 10 oldest skipped keys are evicted, the next ones still work", &["Eviction"]))
        },
        |p, rng| {
            let ad = rng.bytes(66);
            let mut t = Transcript::random(*p, rng)?;
            let _ = t.send(Bob, b"too early", &ad);
            let m = t.send(Alice, b"hello", &ad);
            let _ = t.deliver(rng, Bob, &m, &ad);
            let r = t.send(Bob, b"now", &ad);
            let _ = t.deliver(rng, Alice, &r, &ad);
            Ok(finish(
                t,
                "the responder cannot send before receiving",
                &["ResponderFirst"],
            ))
        },
    ]
}

impl KindSpec for SessionKind {
    const NAME: &'static str = "session";
    type Test = SessionTest;

    /// Shaped by the fixed header, X3DH or the DR-spec state snapshot.
    fn applies_to(profile: &Profile) -> bool {
        profile.fixed_header().is_some() && profile.x3dh().is_some()
    }

    fn header() -> Vec<String> {
        vec![
            "Two parties start from setup: Alice runs RatchetInitAlice(SK, bobRatchetPublic) drawing aliceInitialKey; Bob runs RatchetInitBob(SK, bob ratchet key pair).".into(),
            "Steps run in order. encrypt: RatchetEncrypt(plaintext, ad) must give exactly message. encrypt_lost: count encrypts whose messages are dropped. decrypt: RatchetDecrypt(message, ad) gives plaintext or the error.".into(),
            "injectedKeys are the private keys a step may draw (the new ratchet key of a DH ratchet step). stateAfter is the acting party's full state; after a failed step it equals the state before.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("InOrder", note("Functionality", "Messages arrive in order on one chain.", "DR §3.4, §3.5")),
            ("PingPong", note("Functionality", "Direction changes every message: a DH ratchet step each time, with a new ratchet key.", "DR §2.3, §2.4, §3.5")),
            ("OutOfOrder", note("Functionality", "Messages arrive out of order; skipped message keys are stored and used once.", "DR §2.6, §3.5")),
            ("PreviousChain", note("Functionality", "Keys of the previous receiving chain are skipped up to PN at a DH ratchet step.", "DR §2.6, §3.5")),
            ("Loss", note("Functionality", "Some messages never arrive; later ones still decrypt.", "DR §2.6")),
            ("MaxSkip", note("MissingCheck", "MAX_SKIP bounds the keys skipped in one chain: exactly MAX_SKIP is accepted, one more is too_many_skipped and changes nothing.", "DR §3.2, §3.5")),
            ("Duplicate", note("MissingCheck", "A message whose key was already used (or deleted) is rejected.", "DR §3.5, §6.1")),
            ("OldChainReplay", note("MissingCheck", "A replay from an older chain: the spec's algorithm treats its key as new and fails authentication (auth_failed); implementations that remember old chains may report duplicate, also accepted.", "DR §3.5")),
            ("Tampered", note("MissingCheck", "A modified header, ciphertext, tag or associated data is rejected, leaves the state unchanged, and the genuine message still decrypts afterwards.", "DR §3.5")),
            ("NewRatchetKey", note("MissingCheck", "The tampered message carries a new ratchet key, so a DH ratchet step is computed and must be discarded.", "DR §3.5")),
            ("Eviction", note("ResourceLimit", "The stored skipped keys are capped; a full store evicts the oldest key first.", "DR §6.4")),
            ("ResponderFirst", note("Functionality", "Bob has no sending chain before his first received message: invalid_state.", "DR §3.3")),
            ("ForgedStoredKey", note("MissingCheck", "A forged message (its tag flipped, or its header's n rewritten to name another stored key) names a message key in the skipped-key store: it fails authentication and the key stays, so the genuine late message still decrypts. In the current chain and in the previous one after a DH ratchet step, in both roles.", "DR §3.5")),
            ("Random", note("Functionality", "A seeded random conversation with reordering, loss and duplicates.", "DR §3.4, §3.5")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<SessionTest>> {
        let mut basic = Vec::new();
        for scenario in scenarios() {
            if let Ok(test) = scenario(profile, rng) {
                basic.push(test);
            }
        }
        let mut tampered = Vec::new();
        for what in [
            "header dh",
            "header pn",
            "header n",
            "ciphertext",
            "tag",
            "associated data",
        ] {
            for new_key in [false, true] {
                let ad = rng.bytes(66);
                let Ok(mut t) = Transcript::random(*profile, rng) else {
                    continue;
                };
                let m0 = t.send(Alice, b"first", &ad);
                let _ = t.deliver(rng, Bob, &m0, &ad);
                let (to, genuine) = if new_key {
                    (Alice, t.send(Bob, b"reply on a new ratchet key", &ad))
                } else {
                    let _ = t.send(Alice, b"second", &ad);
                    (Bob, t.send(Alice, b"third", &ad))
                };
                if what == "associated data" {
                    let mut bad_ad = ad.clone();
                    bad_ad[0] ^= 1;
                    let _ = t.deliver(rng, to, &genuine, &bad_ad);
                } else {
                    let _ = t.deliver(rng, to, &tamper(&genuine, what), &ad);
                }
                let _ = t.deliver(rng, to, &genuine, &ad);
                let flags: &[&str] = if new_key {
                    &["Tampered", "NewRatchetKey"]
                } else {
                    &["Tampered"]
                };
                tampered.push(finish(
                    t,
                    &format!("tampered {what}, then the genuine message"),
                    flags,
                ));
            }
        }
        let mut random = Vec::new();
        for i in 0..24 {
            let ad = rng.bytes(66);
            let Ok(mut t) = Transcript::random(*profile, rng) else {
                continue;
            };
            let mut in_flight: Vec<(Party, Vec<u8>)> = Vec::new();
            let mut bob_can_send = false;
            for step in 0..40 {
                let choice = rng.below(10);
                if choice < 5 || in_flight.is_empty() {
                    let from = if !bob_can_send || rng.below(2) == 0 {
                        Alice
                    } else {
                        Bob
                    };
                    let m = t.send(from, &text(step), &ad);
                    let to = if from == Alice { Bob } else { Alice };
                    in_flight.push((to, m));
                } else {
                    let index = rng.below(in_flight.len());
                    let (to, m) = in_flight.remove(index);
                    if choice == 9 {
                        continue; // dropped
                    }
                    if t.deliver(rng, to, &m, &ad).is_ok() && to == Bob {
                        bob_can_send = true;
                    }
                    if choice == 8 {
                        let _ = t.deliver(rng, to, &m, &ad);
                    }
                }
            }
            let flags: &[&str] = if t.old_chain_replays > 0 {
                &["Random", "OldChainReplay"]
            } else {
                &["Random"]
            };
            random.push(finish(
                t,
                &format!("random conversation #{i}: reordering, loss, duplicates"),
                flags,
            ));
        }
        let mut forged = Vec::new();
        for receiver in [Bob, Alice] {
            for previous_chain in [false, true] {
                for what in ["tag", "header n to a stored key"] {
                    if let Ok(test) =
                        forged_stored_key(profile, rng, receiver, previous_chain, what)
                    {
                        forged.push(test);
                    }
                }
            }
        }
        vec![
            TestGroup {
                group_type: "SessionTest".into(),
                comment: "scenarios".into(),
                tests: basic,
            },
            TestGroup {
                group_type: "SessionTest".into(),
                comment: "tampering followed by the genuine message".into(),
                tests: tampered,
            },
            TestGroup {
                group_type: "SessionTest".into(),
                comment: "random conversations".into(),
                tests: random,
            },
            TestGroup {
                group_type: "SessionTest".into(),
                comment: "forgeries naming a stored key, then the genuine late message".into(),
                tests: forged,
            },
            TestGroup {
                group_type: "SessionTest".into(),
                comment: "the limits at their boundaries, in both roles".into(),
                tests: limits(profile, rng),
            },
        ]
    }

    fn checks(test: &SessionTest, caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut checks = setup_checks(test.tc_id, &test.setup);
        checks.extend(step_checks(test.tc_id, &test.steps, caps)?);
        Ok(checks)
    }
}
